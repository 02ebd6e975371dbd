// Tsunagu admin. Inside the Shopify admin, App Bridge draws the navigation (hide our copy)
// and adds the session token to fetch() calls to this app. Without App Bridge (the demo,
// or Shopify's CDN unreachable) the page keeps its own nav and the forms still work.
// Forms marked data-api send their fields as JSON through TsunaguApi.call; errors land
// beside their fields and in the form's message box.
(function () {
  if (window.shopify && window.shopify.config) {
    document.documentElement.classList.add("in-admin");
  }
  var api = window.TsunaguApi;

  function fieldsOf(form) {
    var data = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name) return;
      if (el.type === "radio") { if (el.checked) data[el.name] = el.value; return; }
      data[el.name] = el.type === "checkbox" ? el.checked : el.value;
    });
    return data;
  }

  function showErrors(form, errors, message, ok) {
    Array.prototype.forEach.call(form.querySelectorAll(".field-error"), function (p) { p.textContent = ""; });
    Array.prototype.forEach.call(form.elements, function (el) { el.removeAttribute("aria-invalid"); });
    var first = null;
    Object.keys(errors || {}).forEach(function (name) {
      var input = form.elements[name];
      var slot = form.querySelector("#" + name + "-error");
      if (slot) slot.textContent = errors[name];
      if (input) { input.setAttribute("aria-invalid", "true"); first = first || input; }
    });
    var box = form.querySelector(".form-message");
    if (box) { box.textContent = message || ""; box.classList.toggle("is-ok", !!ok); }
    else if (!ok && message && !first) api.alert(message);
    if (first) first.focus();
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("form[data-api]")) return;
    event.preventDefault();
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) return;
    var button = form.querySelector("[type=submit]");
    if (button) button.disabled = true;
    api.call(form.dataset.method || "POST", form.dataset.api, fieldsOf(form)).then(function (body) {
      if (form.dataset.done === "reload") { window.location.reload(); return; }
      showErrors(form, {}, body.message || api.text("done"), true);
    }, function (error) {
      showErrors(form, error.data.errors, error.message);
    }).then(function () { if (button) button.disabled = false; });
  });
})();
