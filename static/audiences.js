// Audiences: the segment list refreshes each segment's size; the editor builds AND/OR
// groups of conditions, counts the friends reached as the merchant edits (a debounced call
// to /api/audiences/count), and saves, renames or deletes. The server checks everything:
// its reasons land next to the fields they name ("groups.0.conditions.1.days").
(function () {
  var api = window.TsunaguApi;
  var el = api.el;
  var text = api.text;

  function formatCount(n) { return text("people", { count: Number(n).toLocaleString() }); }

  // -- the list: recount each saved segment, one after another ------------------------------
  var table = document.getElementById("segment-table");
  if (table) {
    var rows = Array.prototype.slice.call(table.querySelectorAll("tr[data-segment]"));
    rows.reduce(function (previous, row) {
      return previous.then(function () {
        return api.call("POST", "/api/segments/" + row.dataset.segment + "/count").then(function (body) {
          var s = body.segment;
          row.querySelector("[data-cell=linked]").textContent = s.size_linked.toLocaleString();
          row.querySelector("[data-cell=unlinked]").textContent = s.size_unlinked.toLocaleString();
          row.querySelector("[data-cell=total]").textContent = (s.size_linked + s.size_unlinked).toLocaleString();
        }, function (error) { api.alert(error.message); });
      });
    }, Promise.resolve());
  }

  // -- the editor -------------------------------------------------------------------------------
  var form = document.getElementById("segment-form");
  if (!form) return;
  var data = JSON.parse(document.getElementById("segment-data").textContent);
  var choices = data.choices;
  var segment = data.segment;
  var definition = segment ? segment.definition : { match: "all", groups: [] };
  if (!definition.groups || !definition.groups.length) {
    definition.groups = segment ? [] : [{ match: "all", conditions: [{ field: "linked", value: true }] }];
  }
  var groupsBox = document.getElementById("groups");
  var uid = 0;

  var FIELDS = ["linked", "friend_since", "language", "orders_count", "total_spent", "first_order", "last_order",
    "bought", "customer_tag", "prefecture", "clicked", "received_marketing", "source", "friend_tag"];
  var PERIOD = ["within", "not_within"];
  var COMPARE = ["gte", "gt", "lte", "lt", "eq"];
  var DEFAULTS = {
    linked: { value: true },
    friend_since: { op: "within", days: 30 },
    language: { op: "in", values: ["ja"] },
    orders_count: { op: "gte", value: 2 },
    total_spent: { op: "gte", value: 10000 },
    first_order: { op: "within", days: 30 },
    last_order: { op: "within", days: 90 },
    bought: { by: "product_type", op: "bought", values: [], days: null },
    customer_tag: { op: "any", values: [] },
    prefecture: { op: "in", values: [] },
    clicked: { op: "within", days: 30 },
    received_marketing: { op: "within", days: 30 },
    source: { op: "in", values: [] },
    friend_tag: { op: "any", values: [] }
  };

  function fresh(field) {
    return Object.assign({ field: field }, JSON.parse(JSON.stringify(DEFAULTS[field])));
  }

  function select(options, value, label, onChange) {
    var node = el("select", { "aria-label": label });
    options.forEach(function (o) {
      var option = el("option", { value: o[0], text: o[1] });
      if (String(o[0]) === String(value)) option.selected = true;
      node.appendChild(option);
    });
    node.addEventListener("change", function () { onChange(node.value); });
    return node;
  }

  function input(value, label, attrs, onInput) {
    var node = el("input", Object.assign({ "aria-label": label }, attrs || {}));
    node.value = value === null || value === undefined ? "" : value;
    node.addEventListener("input", function () { onInput(node.value); });
    return node;
  }

  function keyed(node, key) { node.dataset.key = key; return node; }

  function opSelect(cond, ops) {
    return keyed(select(ops.map(function (o) { return [o, text("op." + o)]; }), cond.op, text("op_label"), function (v) {
      var wasDate = cond.op === "on_or_after" || cond.op === "before";
      cond.op = v;
      var isDate = v === "on_or_after" || v === "before";
      if (wasDate !== isDate) { delete cond.days; delete cond.date; if (!isDate) cond.days = 30; render(); }
      changed();
    }), "op");
  }

  function daysInput(cond, optional) {
    var box = el("span", { "class": "aud-unit" });
    box.appendChild(keyed(input(cond.days, optional ? text("days_optional") : text("days_label"),
      { inputmode: "numeric", "class": "aud-days", placeholder: optional ? "∞" : "" },
      function (v) { cond.days = v === "" ? null : v; changed(); }), "days"));
    box.appendChild(el("span", { "class": "muted", text: text("days") }));
    return box;
  }

  function valuesInput(cond, hint, list) {
    var attrs = { "class": "aud-values", placeholder: hint };
    if (list) attrs.list = list;
    return keyed(input((cond.values || []).join(", "), text("value_label"), attrs, function (v) {
      cond.values = v.split(/[,、]/).map(function (s) { return s.trim(); }).filter(Boolean);
      changed();
    }), "values");
  }

  function multiSelect(cond, options) {
    var node = el("select", { multiple: "multiple", size: "4", "aria-label": text("value_label"), "class": "aud-multi" });
    options.forEach(function (o) {
      var option = el("option", { value: o[0], text: o[1] });
      if ((cond.values || []).indexOf(o[0]) >= 0) option.selected = true;
      node.appendChild(option);
    });
    node.addEventListener("change", function () {
      cond.values = Array.prototype.filter.call(node.options, function (o) { return o.selected; })
        .map(function (o) { return o.value; });
      changed();
    });
    return keyed(node, "values");
  }

  // The controls after the field chooser, by field.
  function controls(cond) {
    var f = cond.field;
    if (f === "linked") {
      return [keyed(select([["true", text("linked.true")], ["false", text("linked.false")]], String(cond.value),
        text("value_label"), function (v) { cond.value = v === "true"; changed(); }), "value")];
    }
    if (f === "friend_since") {
      var ops = opSelect(cond, PERIOD.concat(["on_or_after", "before"]));
      if (cond.op === "on_or_after" || cond.op === "before") {
        return [ops, keyed(input(cond.date, text("date_label"), { type: "date" }, function (v) { cond.date = v; changed(); }), "date")];
      }
      return [ops, daysInput(cond)];
    }
    if (f === "language") {
      return [opSelect(cond, ["in", "not_in"]),
        multiSelect(cond, choices.languages.map(function (code) { return [code, text("lang_" + code)]; }))];
    }
    if (f === "orders_count" || f === "total_spent") {
      var box = el("span", { "class": "aud-unit" });
      box.appendChild(keyed(input(cond.value, text("value_label"), { inputmode: "numeric", "class": "aud-number" },
        function (v) { cond.value = v; changed(); }), "value"));
      box.appendChild(el("span", { "class": "muted", text: text(f === "total_spent" ? "yen" : "times") }));
      return [opSelect(cond, COMPARE), box];
    }
    if (f === "bought") {
      var by = keyed(select(["product", "product_type", "vendor", "tag"].map(function (b) { return [b, text("by." + b)]; }),
        cond.by, text("field_label"), function (v) { cond.by = v; cond.values = []; render(); changed(); }), "by");
      var list = cond.by === "product_type" ? "aud-types" : cond.by === "vendor" ? "aud-vendors" : null;
      return [by, opSelect(cond, ["bought", "not_bought"]),
        valuesInput(cond, text(cond.by === "product" ? "products_hint" : "values_hint"), list), daysInput(cond, true)];
    }
    if (f === "source") {
      cond.values = (cond.values || []).map(String);  // stored as ids, offered as strings
      return [opSelect(cond, ["in", "not_in"]),
        multiSelect(cond, choices.sources.map(function (s) { return [String(s.id), s.name]; }))];
    }
    if (f === "friend_tag") return [opSelect(cond, ["any", "none"]), valuesInput(cond, text("values_hint"))];
    if (f === "customer_tag") return [opSelect(cond, ["any", "none"]), valuesInput(cond, text("values_hint"))];
    if (f === "prefecture") {
      return [opSelect(cond, ["in", "not_in"]),
        multiSelect(cond, choices.prefectures.map(function (p) { return [p.code, p.name]; }))];
    }
    return [opSelect(cond, PERIOD), daysInput(cond)];  // first/last order, clicked, received_marketing
  }

  function conditionRow(group, g, cond, c) {
    var row = el("div", { "class": "aud-condition", "data-path": "groups." + g + ".conditions." + c });
    if (c > 0) row.appendChild(el("span", { "class": "aud-joiner", text: text(group.match === "any" ? "or" : "and") }));
    var field = keyed(select(FIELDS.map(function (f) { return [f, text("field." + f)]; }), cond.field, text("field_label"),
      function (v) { group.conditions[c] = fresh(v); render(); changed(); }), "field");
    var line = el("div", { "class": "aud-controls" }, [field].concat(controls(cond)));
    var remove = el("button", { type: "button", "class": "icon-button", "aria-label": text("remove_condition"), text: "×" });
    remove.addEventListener("click", function () { group.conditions.splice(c, 1); render(); changed(); });
    line.appendChild(remove);
    row.appendChild(line);
    row.appendChild(el("p", { "class": "field-error", "data-error-prefix": "groups." + g + ".conditions." + c }));
    return row;
  }

  function groupCard(group, g) {
    uid += 1;
    var card = el("section", { "class": "card aud-group", "data-path": "groups." + g, "aria-labelledby": "aud-g" + uid });
    var head = el("div", { "class": "aud-group-head" });
    head.appendChild(el("h2", { id: "aud-g" + uid, text: text("group", { n: g + 1 }) }));
    head.appendChild(keyed(select(["all", "any"].map(function (m) { return [m, text("match." + m)]; }), group.match || "all",
      text("group_match"), function (v) { group.match = v; render(); changed(); }), "match"));
    var remove = el("button", { type: "button", "class": "button", text: text("remove_group") });
    remove.addEventListener("click", function () { definition.groups.splice(g, 1); render(); changed(); });
    head.appendChild(remove);
    card.appendChild(head);
    card.appendChild(el("p", { "class": "field-error", "data-error": "groups." + g }));
    group.conditions.forEach(function (cond, c) { card.appendChild(conditionRow(group, g, cond, c)); });
    var add = el("button", { type: "button", "class": "button aud-add", text: text("add_condition") });
    add.addEventListener("click", function () { group.conditions.push(fresh("last_order")); render(); changed(); });
    card.appendChild(add);
    return card;
  }

  function datalist(id, values) {
    return el("datalist", { id: id }, values.map(function (v) { return el("option", { value: v }); }));
  }

  function render() {
    groupsBox.textContent = "";
    definition.groups.forEach(function (group, g) {
      if (g > 0) groupsBox.appendChild(el("p", { "class": "aud-between", text: text(definition.match === "any" ? "or" : "and") }));
      groupsBox.appendChild(groupCard(group, g));
    });
    groupsBox.appendChild(datalist("aud-types", choices.product_types));
    groupsBox.appendChild(datalist("aud-vendors", choices.vendors));
    showErrors(lastErrors);
  }

  var lastErrors = {};
  // Each reason next to what it names: the control (marked invalid) and its condition's line.
  function showErrors(errors) {
    lastErrors = errors || {};
    Array.prototype.forEach.call(form.querySelectorAll("[aria-invalid]"), function (n) { n.removeAttribute("aria-invalid"); });
    Array.prototype.forEach.call(form.querySelectorAll(".field-error"), function (p) { p.textContent = ""; });
    Object.keys(lastErrors).forEach(function (path) {
      var slot = form.querySelector('[data-error="' + path + '"]');
      var parts = path.split(".");
      if (!slot && parts.length === 5) {
        var prefix = parts.slice(0, 4).join(".");
        slot = form.querySelector('[data-error-prefix="' + prefix + '"]');
        var row = form.querySelector('[data-path="' + prefix + '"]');
        var control = row && row.querySelector('[data-key="' + parts[4] + '"]');
        if (control) control.setAttribute("aria-invalid", "true");
      }
      if (path === "name") document.getElementById("name").setAttribute("aria-invalid", "true");
      if (slot) slot.textContent = (slot.textContent ? slot.textContent + " " : "") + lastErrors[path];
    });
  }

  // -- the live count ---------------------------------------------------------------------------
  var timer = null;
  var asked = 0;
  var status = document.getElementById("count-status");

  function setCount(linked, unlinked) {
    document.getElementById("count-linked").textContent = linked === null ? "–" : formatCount(linked);
    document.getElementById("count-unlinked").textContent = unlinked === null ? "–" : formatCount(unlinked);
    document.getElementById("count-total").textContent = linked === null ? "–" : formatCount(linked + unlinked);
  }

  function count() {
    var mine = ++asked;
    status.textContent = text("counting");
    form.classList.add("is-counting");
    api.call("POST", "/api/audiences/count", { definition: definition }).then(function (body) {
      if (mine !== asked) return;  // an answer to an older edit
      form.classList.remove("is-counting");
      status.textContent = "";
      showErrors({});
      setCount(body.linked, body.unlinked);
      api.alert("");
    }, function (error) {
      if (mine !== asked) return;
      form.classList.remove("is-counting");
      setCount(null, null);
      if (error.data && error.data.errors && Object.keys(error.data.errors).length) {
        status.textContent = text("fix_to_count");
        showErrors(error.data.errors);
      } else {
        status.textContent = "";
        api.alert(error.message);
      }
    });
  }

  function changed() {
    clearTimeout(timer);
    timer = setTimeout(count, 400);
  }

  // -- saving and deleting ----------------------------------------------------------------------
  var message = form.querySelector(".form-message");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var body = { name: document.getElementById("name").value, definition: definition };
    var button = form.querySelector("[type=submit]");
    button.disabled = true;
    var call = segment ? api.call("PUT", "/api/segments/" + segment.id, body) : api.call("POST", "/api/segments", body);
    call.then(function (answer) {
      if (!segment) { window.location.href = form.dataset.edit + answer.segment.id + "?saved=1"; return; }
      segment = answer.segment;
      showErrors({});
      message.textContent = text("saved");
      message.classList.add("is-ok");
      setCount(segment.size_linked, segment.size_unlinked);
    }, function (error) {
      showErrors(error.data.errors);
      message.textContent = error.message;
      message.classList.remove("is-ok");
    }).then(function () { button.disabled = false; });
  });

  var del = document.getElementById("delete-segment");
  if (del) {
    del.addEventListener("click", function () {
      if (!window.confirm(del.dataset.confirm)) return;
      api.call("DELETE", "/api/segments/" + segment.id).then(function () {
        window.location.href = form.dataset.list;
      }, function (error) { message.textContent = error.message; });
    });
  }

  var matchBox = document.getElementById("match");
  ["all", "any"].forEach(function (m) {
    var option = el("option", { value: m, text: text("match." + m) });
    if ((definition.match || "all") === m) option.selected = true;
    matchBox.appendChild(option);
  });
  matchBox.addEventListener("change", function () { definition.match = matchBox.value; render(); changed(); });
  document.getElementById("add-group").addEventListener("click", function () {
    definition.groups.push({ match: "all", conditions: [fresh("total_spent")] });
    render();
    changed();
  });

  if (/[?&]saved=1/.test(window.location.search)) { message.textContent = text("saved"); message.classList.add("is-ok"); }
  render();
  count();
})();
