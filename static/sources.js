// Friend sources page: create, edit and delete a source (reasons shown by each field),
// copy a link, and download its QR code (fetched through the API, so the session token goes
// with it in the embedded admin).
(function () {
  var api = window.TsunaguApi;
  var text = api.text;
  var form = document.getElementById("source-form");
  var FIELDS = ["name", "slug", "tag", "cost_yen", "sequence_id", "greeting"];
  var sources = {};

  function field(name) { return document.getElementById(name); }

  function showErrors(errors) {
    FIELDS.forEach(function (name) {
      var box = document.getElementById(name + "-error");
      box.textContent = (errors && errors[name]) || "";
      field(name).setAttribute("aria-invalid", errors && errors[name] ? "true" : "false");
    });
  }

  function fill(source) {
    document.getElementById("source-id").value = source ? source.id : "";
    FIELDS.forEach(function (name) {
      var value = source ? source[name] : "";
      field(name).value = value === null || value === undefined ? "" : String(value);
    });
    var title = document.getElementById("editor-title");
    title.textContent = source ? title.getAttribute("data-edit") : title.getAttribute("data-new");
    document.getElementById("cancel").hidden = !source;
    showErrors({});
  }

  function load() {
    return api.call("GET", "/api/sources").then(function (data) {
      data.sources.forEach(function (s) { sources[s.id] = s; });
    }, function (error) { api.alert(error.message); });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var id = document.getElementById("source-id").value;
    var body = {};
    FIELDS.forEach(function (name) { body[name] = field(name).value; });
    var message = document.getElementById("form-message");
    message.textContent = "";
    api.call(id ? "PUT" : "POST", id ? "/api/sources/" + id : "/api/sources", body).then(function () {
      message.textContent = text("saved");
      window.location.reload();
    }, function (error) {
      showErrors((error.data && error.data.errors) || {});
      message.textContent = error.message;
    });
  });

  document.getElementById("cancel").addEventListener("click", function () { fill(null); });

  function download(button) {
    var url = "/api/sources/" + button.getAttribute("data-download") + "/qr." + button.getAttribute("data-kind") +
      "?size=" + button.getAttribute("data-size");
    fetch(url, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) throw new Error(text("http_error", { status: response.status }));
      return response.blob();
    }).then(function (blob) {
      var link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = button.getAttribute("data-name");
      document.body.appendChild(link);
      link.click();
      setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
    }).catch(function (error) { api.alert(error.message); });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (!button) return;
    if (button.hasAttribute("data-copy")) {
      navigator.clipboard.writeText(button.getAttribute("data-copy")).then(function () {
        button.textContent = text("copied");
      }, function () { api.alert(text("copy_failed")); });
    } else if (button.hasAttribute("data-download")) {
      download(button);
    } else if (button.hasAttribute("data-edit")) {
      fill(sources[button.getAttribute("data-edit")] || null);
      field("name").focus();
    } else if (button.hasAttribute("data-delete")) {
      var id = button.getAttribute("data-delete");
      if (!window.confirm(text("confirm_delete", { name: (sources[id] || {}).name || "" }))) return;
      api.call("DELETE", "/api/sources/" + id).then(function () { window.location.reload(); },
        function (error) { api.alert(error.message); });
    }
  });

  load();
})();
