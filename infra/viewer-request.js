// The distribution's viewer-request function (infra/template.yaml), as CloudFront Functions runs it
// (runtime cloudfront-js-2.0). `make package` (devstack/package.py) sets KEPT: for the cached pages, the
// query parameters the site answers (chalicelib/archives.py QUERY_PARAMETERS), so every other one
// (utm_*, fbclid, gclid, mc_cid, a random name) is gone before CloudFront makes the cache key and what is
// left is sorted: one cache key per page. For the behaviours that are never cached (the desk, the forms'
// POSTs, previews) KEPT is null and the query string passes as it came.
//
// Kept within ECMAScript 5.1 (var, function, for-in, Object.keys, Array filter/map/sort/join, String
// indexOf/replace, a regular expression), which both CloudFront runtimes run; of runtime 2.0 it relies
// only on request.querystring being writable as a string, as AWS's own "normalize query string
// parameters" example does. Names and values arrive as the viewer spelled them (still percent-encoded)
// and leave as they came: nothing is decoded or encoded again.
var KEPT = null;

function handler(event) {
  var request = event.request;
  var query = KEPT === null ? null : keptQuery(request.querystring);
  if (request.uri.indexOf('//') !== -1) {
    // Old links written with doubled slashes (http://site//greek/x/): the page at the one path.
    var kept = query === null ? keptQuery(request.querystring) : query;
    return {statusCode: 301, statusDescription: 'Moved Permanently',
            headers: {location: {value: request.uri.replace(/\/{2,}/g, '/') + (kept ? '?' + kept : '')},
                      'cache-control': {value: 'public, max-age=86400'}}};
  }
  if (query !== null) {
    request.querystring = query;
  }
  // The site's own address for links (chalicelib/site/web.py: site_of, beside the origin secret).
  request.headers['x-forwarded-host'] = {value: event.context.distributionDomainName};
  return request;
}

// The query string to pass on: each kept parameter once, with its last value (the one the site reads),
// sorted by name.
function keptQuery(querystring) {
  return Object.keys(querystring).filter(function (name) {
    return KEPT === null || KEPT.indexOf(name) !== -1;
  }).sort().map(function (name) {
    var parameter = querystring[name];
    var values = parameter.multiValue;
    return name + '=' + (values && values.length ? values[values.length - 1].value : parameter.value);
  }).join('&');
}
