// In the bundle, markdown-it's linkify-it is this: ingest renders Markdown with linkify off (as
// CommonMark does), so bare addresses never become links and linkify-it is never asked.
export default class LinkifyIt {
  test() { return false }
  pretest() { return false }
  match() { return null }
  matchAtStart() { return null }
  set() { return this }
  add() { return this }
  tlds() { return this }
}
