// Messages: filter and page the log without reloading; cancel a scheduled message, retry
// a failed one, retry a failed webhook. Each row updates in place from the API's answer;
// what it says comes from the page's texts (TsunaguApi.text).
(function () {
  var table = document.getElementById("message-table");
  if (!table) return;
  var rows = document.getElementById("message-rows");
  var form = document.getElementById("message-filters");
  var more = document.getElementById("message-more");
  var empty = document.getElementById("message-empty");
  var status = document.getElementById("message-status");
  var FIELDS = ["flow", "status", "from", "to"];

  var el = window.TsunaguApi.el, call = window.TsunaguApi.call, T = window.TsunaguApi.text;

  function say(text, ok) { status.textContent = text; status.classList.toggle("is-ok", !!ok); }

  function row(m) {
    var who = m.customer_id ? el("a", { href: "/customers/" + m.customer_id, text: m.customer_name || m.friend_name })
                            : (m.friend_name || "—");
    var flow = el("td", {}, [m.flow_label]);
    if (m.step) { flow.appendChild(el("br")); flow.appendChild(el("span", { "class": "muted small", text: T("step", { n: m.step + 1 }) })); }
    var actions = el("td", { "class": "row-actions" });
    if (m.can_cancel) actions.appendChild(el("button", { type: "button", "class": "button", "data-action": "cancel", text: T("cancel") }));
    if (m.can_retry) actions.appendChild(el("button", { type: "button", "class": "button", "data-action": "retry", text: T("retry") }));
    return el("tr", { "data-message-id": m.id }, [
      el("td", { "class": "small nowrap", text: m.created_label }), flow, el("td", {}, [who]),
      el("td", {}, [el("span", { "class": "badge status-" + m.status, text: m.status_label })]),
      el("td", { "class": "small nowrap", text: m.when_label }),
      el("td", { "class": "small reason", text: m.reason_label }), actions
    ]);
  }

  function params() {
    var q = new URLSearchParams();
    FIELDS.forEach(function (name) { var v = form.elements[name].value.trim(); if (v) q.set(name, v); });
    return q;
  }

  function showErrors(errors) {
    FIELDS.forEach(function (name) {
      var slot = document.getElementById(name + "-error");
      slot.textContent = errors[name] || "";
      if (errors[name]) form.elements[name].setAttribute("aria-invalid", "true"); else form.elements[name].removeAttribute("aria-invalid");
    });
  }

  function load(cursor) {
    var q = params();
    if (cursor) q.set("cursor", cursor);
    return call("GET", "/api/messages?" + q.toString()).then(function (data) {
      showErrors({});
      if (!cursor) { rows.textContent = ""; history.replaceState(null, "", "?" + params().toString()); }
      data.messages.forEach(function (m) { rows.appendChild(row(m)); });
      empty.hidden = rows.children.length > 0;
      more.hidden = !data.next_cursor;
      more.dataset.cursor = data.next_cursor || "";
      more.textContent = T("more");
      say("");
    }).catch(function (e) {
      showErrors((e.data && e.data.errors) || {});
      if (!e.data || !Object.keys(e.data.errors || {}).length) say(e.message);
    });
  }

  form.addEventListener("submit", function (event) { event.preventDefault(); load(null); });
  form.addEventListener("change", function () { load(null); });
  more.addEventListener("click", function (event) {
    event.preventDefault();
    if (more.dataset.cursor) load(more.dataset.cursor);
  });

  rows.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-action]");
    if (!button) return;
    var tr = button.closest("tr");
    var action = button.dataset.action;
    if (action === "cancel" && !window.confirm(T("cancel_confirm"))) return;
    button.disabled = true;
    call("POST", "/api/messages/" + tr.dataset.messageId + "/" + action, {}).then(function (data) {
      var fresh = row(data.message);
      fresh.classList.add("is-updated");
      tr.replaceWith(fresh);
      say(action === "cancel" ? T("cancelled_ok") : T("retry_ok"), true);
    }).catch(function (e) { button.disabled = false; say(e.message); });
  });

  var hooks = document.getElementById("webhook-table");
  if (hooks) {
    hooks.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-action=retry-webhook]");
      if (!button) return;
      button.disabled = true;
      call("POST", "/api/webhook-events/" + button.closest("tr").dataset.eventId + "/retry", {}).then(function () {
        button.replaceWith(el("span", { "class": "badge badge-success", role: "status", text: T("webhook_retry_ok") }));
      }).catch(function (e) { button.disabled = false; say(e.message); });
    });
  }
})();
