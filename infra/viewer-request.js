// The distribution's viewer-request function (infra/template.yaml), as CloudFront Functions runs it
// (runtime cloudfront-js-2.0). `make package` (devstack/package.py) sets QUERY from chalicelib/archives.py
// for the cached pages: `own`, the site's own query parameters; `wordpress`, WordPress's old ones; `fold`,
// the one parameter those travel in. For the behaviours that are never cached (the desk, the forms' POSTs,
// previews) QUERY is null and the query string passes as it came.
//
// On the pages, so that each has one cache key (the cache policy lists `own` and `fold`: CloudFront's
// default quota is 10 query strings a cache policy, fewer than the names):
// - every other name (utm_*, fbclid, gclid, mc_cid, a random one) is dropped;
// - each kept name counts once, with its last value (the one the site reads), spelled one way (`spelled`);
// - WordPress's names are folded into `fold`: their pairs, sorted, as one value (?year=2024&monthnum=07 is
//   ?wp=monthnum%3D07%26year%3D2024), which the origin unfolds (chalicelib/site/web.py: wordpress_query);
// - a request that carries `fold` itself is read as the origin reads it: `fold` alone says the WordPress
//   query (the names beside it are ignored), and one that is not ASCII once decoded says none;
// - what is left is sorted. A second pass changes nothing.
// The doubled-slash redirect names the same parameters unfolded, as readers' links spell them.
//
// Names and values arrive as the viewer spelled them (still percent-encoded). A name counts only as the site
// spells it (?%73=x is dropped, as before: AWS WAF's rate rule, which looks before this function, counts
// searches by name). Values are respelled byte for byte, never decoded to text: the origin (Python's
// unquote_plus, as chalice and the tests parse) reads the same bytes, and equal bytes are spelled one way.
//
// Kept within ECMAScript 5.1 (var, function, try/catch, Object.keys, Array forEach/sort/map/join/indexOf,
// String replace/split/slice/indexOf/charCodeAt/toUpperCase, String.fromCharCode, parseInt,
// encodeURIComponent, regular expressions), which runtime 2.0 runs ("JavaScript runtime 2.0 features for
// CloudFront Functions"); of the runtime it relies only on request.querystring being writable as a string,
// as AWS's own "normalize query string parameters" example does. No input makes it throw: an error would
// fail the viewer's request.
var QUERY = null;

function handler(event) {
  var request = event.request;
  var query = QUERY === null ? null : kept(request.querystring);
  if (request.uri.indexOf('//') !== -1) {
    // Old links written with doubled slashes (http://site//greek/x/): the page at the one path.
    var plain = joined(query === null ? lastValues(request.querystring) : merged(query.own, query.wordpress));
    return {statusCode: 301, statusDescription: 'Moved Permanently',
            headers: {location: {value: request.uri.replace(/\/{2,}/g, '/') + (plain ? '?' + plain : '')},
                      'cache-control': {value: 'public, max-age=86400'}}};
  }
  if (query !== null) {
    var legacy = joined(query.wordpress);
    var forwarded = merged(query.own, {});
    if (legacy) {
      forwarded[QUERY.fold] = legacy.replace(/[%&=+]/g, escaped);
    }
    request.querystring = joined(forwarded);
  }
  // The site's own address for links (chalicelib/site/web.py: site_of, beside the origin secret).
  request.headers['x-forwarded-host'] = {value: event.context.distributionDomainName};
  return request;
}

// The parameters the site reads: {own: {name: value}, wordpress: {name: value}}, each spelled one way.
function kept(querystring) {
  var own = {}, wordpress = {}, fold = null;
  Object.keys(querystring).forEach(function (raw) {
    var name = raw, value = last(querystring[raw]);
    if (name === QUERY.fold) {
      fold = value;
    } else if (QUERY.own.indexOf(name) !== -1) {
      own[name] = spelled(value);
    } else if (QUERY.wordpress.indexOf(name) !== -1) {
      wordpress[name] = spelled(value);
    }
  });
  return {own: own, wordpress: fold === null ? wordpress : unfolded(fold)};
}

// The WordPress pairs in a `fold` value as the origin reads them: decoded once ('+' is a space), then split
// as a query string, the last value of each name kept; none when it is not ASCII.
function unfolded(value) {
  var wordpress = {};
  var text = value.replace(/\+/g, ' ').replace(/%([0-9A-Fa-f]{2})/g, function (escape, hex) {
    return String.fromCharCode(parseInt(hex, 16));
  });
  if (/[^\x00-\x7f]/.test(text)) {
    return wordpress;
  }
  text.split('&').forEach(function (pair) {
    var at = pair.indexOf('=');
    var name = spelled(at === -1 ? pair : pair.slice(0, at));
    if (pair && QUERY.wordpress.indexOf(name) !== -1) {
      wordpress[name] = spelled(at === -1 ? '' : pair.slice(at + 1));
    }
  });
  return wordpress;
}

// `text` (percent-encoded) spelled one way, meaning the same bytes: an escape of a letter, digit or -._~ is
// that character, other escapes are upper-case, a '%' that starts none is %25, '+' stays, and any other
// character is escaped (UTF-8).
function spelled(text) {
  return text.replace(/%([0-9A-Fa-f]{2})|[\uD800-\uDBFF][\uDC00-\uDFFF]|[^A-Za-z0-9\-._~+]/g, function (found, hex) {
    if (!hex) {
      return escaped(found);
    }
    var character = String.fromCharCode(parseInt(hex, 16));
    return /[A-Za-z0-9\-._~]/.test(character) ? character : '%' + hex.toUpperCase();
  });
}

function escaped(character) {
  var code = character.charCodeAt(0);
  if (code < 128) {
    return (code < 16 ? '%0' : '%') + code.toString(16).toUpperCase();
  }
  try {
    return encodeURIComponent(character);
  } catch (error) {
    return '%EF%BF%BD'; // half a surrogate pair: U+FFFD, as a UTF-8 decoder reads it
  }
}

// A parameter's last value (CloudFront lists a repeated name's values in `multiValue`).
function last(parameter) {
  var values = parameter.multiValue;
  return (values && values.length ? values[values.length - 1].value : parameter.value) || '';
}

function lastValues(querystring) {
  var values = {};
  Object.keys(querystring).forEach(function (name) {
    values[name] = last(querystring[name]);
  });
  return values;
}

function merged(one, other) {
  var both = {};
  [one, other].forEach(function (pairs) {
    Object.keys(pairs).forEach(function (name) {
      both[name] = pairs[name];
    });
  });
  return both;
}

// name=value pairs sorted by name.
function joined(pairs) {
  return Object.keys(pairs).sort().map(function (name) {
    return name + '=' + pairs[name];
  }).join('&');
}
