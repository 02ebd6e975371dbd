// Customers: search and page without reloading (the list), link and unlink a LINE friend
// by hand (the detail page) through /api/customers/<id>/line-link. What it says comes from
// the page's texts (TsunaguApi.text).
(function () {
  var el = window.TsunaguApi.el, call = window.TsunaguApi.call, T = window.TsunaguApi.text;

  // The list ---------------------------------------------------------------------------
  var table = document.getElementById("customer-table");
  if (table) {
    var rows = document.getElementById("customer-rows");
    var form = document.getElementById("customer-search");
    var more = document.getElementById("customer-more");
    var empty = document.getElementById("customer-empty");
    var status = document.getElementById("customer-status");
    var error = document.getElementById("q-error");
    var query = form.elements.q.value.trim();

    var badge = function (cls, text) { return el("span", { "class": "badge " + cls, text: text }); };
    var row = function (c) {
      var contact = el("td", { "class": "small" }, [c.email, c.email && c.phone ? el("br") : null, c.phone]);
      var state = el("td");
      if (c.line) {
        state.appendChild(c.line.blocked ? badge("badge-critical", T("blocked")) : badge("badge-success", T("friend")));
        if (c.line.opted_out) { state.appendChild(document.createTextNode(" ")); state.appendChild(badge("badge-attention", T("opted_out"))); }
      }
      return el("tr", { "data-customer-id": c.id }, [
        el("td", {}, [el("a", { href: "/customers/" + c.id, text: c.name || T("unnamed") })]),
        contact,
        el("td", {}, [c.line ? c.line.display_name : el("span", { "class": "muted", text: T("not_linked") })]),
        state,
        el("td", { "class": "small", text: c.last_sent_label || "—" }),
        el("td", { "class": "num", text: String(c.attributed_orders) })
      ]);
    };

    var load = function (cursor) {
      var url = "/api/customers?q=" + encodeURIComponent(query) + (cursor ? "&cursor=" + encodeURIComponent(cursor) : "");
      return call("GET", url).then(function (data) {
        if (!cursor) rows.textContent = "";
        data.customers.forEach(function (c) { rows.appendChild(row(c)); });
        empty.hidden = rows.children.length > 0;
        more.hidden = !data.next_cursor;
        more.dataset.cursor = data.next_cursor || "";
        more.textContent = T("more");
        status.textContent = String(rows.children.length);
        error.textContent = ""; form.elements.q.removeAttribute("aria-invalid");
      }).catch(function (e) {
        var errors = (e.data && e.data.errors) || {};
        error.textContent = errors.q || errors.cursor || e.message;
        form.elements.q.setAttribute("aria-invalid", "true");
      });
    };

    var timer = null;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      query = form.elements.q.value.trim();
      history.replaceState(null, "", query ? "?q=" + encodeURIComponent(query) : location.pathname);
      load(null);
    });
    form.elements.q.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { form.requestSubmit(); }, 300);
    });
    more.addEventListener("click", function (event) {
      event.preventDefault();
      if (more.dataset.cursor) load(more.dataset.cursor);
    });
  }

  // The detail page: link and unlink by hand --------------------------------------------
  var box = document.getElementById("line-link");
  if (!box) return;
  var customerId = box.dataset.customerId;
  var linked = document.getElementById("link-linked");
  var unlinked = document.getElementById("link-unlinked");
  var message = document.getElementById("link-message");
  var results = document.getElementById("friend-results");
  var search = document.getElementById("friend-search");

  var say = function (text, ok) { message.textContent = text; message.classList.toggle("is-ok", !!ok); };

  var pick = function (friend) {
    return el("li", {}, [
      el("span", {}, [friend.display_name, friend.blocked ? el("span", { "class": "badge badge-critical", text: T("blocked") }) : null]),
      el("button", { type: "button", "class": "button", "data-friend-id": friend.id,
                     "aria-label": T("link") + ": " + friend.display_name, text: T("link") })
    ]);
  };

  var findFriends = function () {
    var q = search.elements.q.value.trim();
    return call("GET", "/api/line-friends?q=" + encodeURIComponent(q)).then(function (data) {
      results.textContent = "";
      data.friends.forEach(function (f) { results.appendChild(pick(f)); });
      if (!data.friends.length) results.appendChild(el("li", { "class": "muted", text: T("no_friends") }));
    }).catch(function (e) { say(e.message); });
  };

  search.addEventListener("submit", function (event) { event.preventDefault(); findFriends(); });

  results.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-friend-id]");
    if (!button) return;
    button.disabled = true;
    var name = button.closest("li").firstChild.firstChild.textContent;
    call("POST", "/api/customers/" + customerId + "/line-link", { friend_id: Number(button.dataset.friendId) })
      .then(function () {
        document.getElementById("link-summary").textContent =
          T("linked_to", { name: name, method: T("method.merchant") });
        unlinked.hidden = true; linked.hidden = false;
        say(T("linked_ok"), true);
        document.getElementById("unlink-button").focus();
      }).catch(function (e) { button.disabled = false; say(e.message); });
  });

  document.getElementById("unlink-button").addEventListener("click", function (event) {
    if (!window.confirm(T("unlink_confirm"))) return;
    var button = event.currentTarget;
    button.disabled = true;
    call("DELETE", "/api/customers/" + customerId + "/line-link", {}).then(function () {
      linked.hidden = true; unlinked.hidden = false;
      say(T("unlinked_ok"), true);
      search.elements.q.focus();
      findFriends();
    }).catch(function (e) { say(e.message); }).then(function () { button.disabled = false; });
  });
})();
