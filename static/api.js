// What the admin's page scripts share: the page's texts, building elements, and the one
// way to call the JSON API (App Bridge, when the page is embedded, adds the session token
// to fetch). Scripts hold no language of their own: every string they show comes from the
// page's #texts, in the merchant's language.
window.TsunaguApi = (function () {
  var source = document.getElementById("texts");
  var TEXTS = source ? JSON.parse(source.textContent) : {};

  // A text of the page, its {name} placeholders filled in.
  function text(key, values) {
    var found = Object.prototype.hasOwnProperty.call(TEXTS, key) ? TEXTS[key] : key;
    return found.replace(/\{(\w+)\}/g, function (all, name) {
      return values && Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : all;
    });
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k]; else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return node;
  }

  // Resolves with the answer; rejects with an Error whose message is what to tell the
  // merchant (the server's, or ours when the server said nothing or could not be reached)
  // and whose data is the answer's body ({errors: {field: message}, ...}).
  function call(method, url, body) {
    var options = { method: method, credentials: "same-origin", headers: { "Accept": "application/json" } };
    if (body !== undefined) { options.headers["Content-Type"] = "application/json"; options.body = JSON.stringify(body); }
    return fetch(url, options).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (response.ok && data.ok !== false) return data;
        var fields = data.errors && Object.keys(data.errors).length;
        var error = new Error(data.message || text(fields ? "invalid_fields" : "http_error", { status: response.status }));
        error.data = data;
        error.status = response.status;
        throw error;
      });
    }, function () {
      var error = new Error(text("network_error"));
      error.data = {};
      throw error;
    });
  }

  // A failure with no message box of its own goes to the page's alert banner.
  function alert(message) {
    var box = document.getElementById("api-error");
    if (!box) return;
    box.textContent = message || "";
    box.hidden = !message;
  }

  return { text: text, el: el, call: call, alert: alert };
})();
