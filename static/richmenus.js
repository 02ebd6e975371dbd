// The rich menu page: menus in a phone frame (tabs switch by clicking them, each area
// outlined with its action), publish/unpublish, and the editor that has the app draw a
// menu. Every string comes from the page's #texts (api.js).
(function () {
  var api = window.TsunaguApi, text = api.text, el = api.el;
  var DATA = JSON.parse(document.getElementById("richmenu-data").textContent);
  var SIZES = { large: [2500, 1686], compact: [2500, 843] };
  var GRIDS = { 1: [1], 2: [2], 3: [3], 4: [2, 2], 5: [3, 2], 6: [3, 3] };
  var ACTIONS = ["uri", "search", "message", "postback"];
  var shown = null;

  function $(id) { return document.getElementById(id); }

  // -- the phone frame -------------------------------------------------------------------
  function describe(action) {
    if (!action) return "";
    var value = action.uri || action.text || action.richMenuAliasId || action.data || "";
    return text("action_" + action.type) + (value ? ": " + value : "");
  }

  function show(image, size, areas, bar, menu) {
    shown = menu;
    var box = $("phone-areas"), legend = $("phone-legend"), w = SIZES[size][0], h = SIZES[size][1];
    legend.textContent = "";
    $("phone-image").src = image || "";
    $("phone-menu").style.aspectRatio = w + " / " + h;
    $("phone-bar").textContent = bar || "";
    box.textContent = "";
    (areas || []).forEach(function (area, i) {
      var b = area.bounds, label = describe(area.action);
      var outline = el("button", { type: "button", "class": "rm-area", title: label, "aria-label": label, "data-area": String(i),
        style: "left:" + (100 * b.x / w) + "%;top:" + (100 * b.y / h) + "%;width:" + (100 * b.width / w) + "%;height:" + (100 * b.height / h) + "%" },
        [el("span", { text: String(i + 1) })]);
      legend.appendChild(el("li", { text: label }));
      if (area.action && area.action.type === "richmenuswitch") {
        outline.addEventListener("click", function () { switchTo(area.action.richMenuAliasId); });
      }
      box.appendChild(outline);
    });
    $("publish").hidden = !menu;
    $("unpublish").hidden = !(menu && menu.live);
    $("phone-note").textContent = menu && menu.tab_set ? text("tap_hint") : "";
  }

  function switchTo(alias) {
    var target = DATA.menus.filter(function (m) { return m.alias_id === alias; })[0];
    if (target) showMenu(target);
  }

  function showMenu(menu) {
    show(menu.image, menu.size, menu.areas, menu.chat_bar_text, menu);
    document.querySelectorAll(".rm-list li").forEach(function (li) {
      li.classList.toggle("is-shown", Number(li.dataset.menu) === menu.id || li.dataset.set === (menu.tab_set || "-"));
    });
  }

  // -- the list and the rules --------------------------------------------------------------
  function status(menu) {
    return menu.live ? text("live") : text(menu.status === "failed" ? "failed" : "draft");
  }

  function renderList() {
    var list = $("menu-list");
    list.textContent = "";
    var seen = {};
    DATA.menus.forEach(function (menu) {
      if (menu.tab_set && seen[menu.tab_set]) return;
      var tabs = menu.tab_set ? DATA.menus.filter(function (m) { return m.tab_set === menu.tab_set; }).length : 0;
      if (menu.tab_set) seen[menu.tab_set] = true;
      var li = el("li", { "data-menu": String(menu.id), "data-set": menu.tab_set || "" }, [
        el("button", { type: "button", "class": "rm-pick", text: menu.name }),
        el("span", { "class": "badge" + (menu.live ? " badge-success" : ""), text: status(menu) }),
        tabs ? el("span", { "class": "badge", text: text("tabs", { n: tabs }) }) : null,
        menu.is_default ? el("span", { "class": "badge", text: text("default") }) : null,
        menu.publish_error ? el("p", { "class": "field-error rm-error", text: menu.publish_error }) : null,
      ]);
      li.querySelector(".rm-pick").addEventListener("click", function () { showMenu(menu); });
      list.appendChild(li);
    });
    $("no-menus").hidden = DATA.menus.length > 0;
  }

  function nameOf(id, rows) {
    var found = rows.filter(function (r) { return r.id === id; })[0];
    return found ? found.name : "?";
  }

  function renderRules() {
    var list = $("rule-list");
    list.textContent = "";
    if (!DATA.rules.length) list.appendChild(el("li", { "class": "muted", text: text("no_rules") }));
    DATA.rules.forEach(function (rule, i) {
      var line = text("rule_" + rule.kind, { menu: nameOf(rule.menu_id, DATA.menus), segment: nameOf(rule.segment_id, DATA.segments) });
      if (rule.starts_local || rule.ends_local) {
        line += text("period", { start: (rule.starts_local || "").replace("T", " "), end: (rule.ends_local || "").replace("T", " ") });
      }
      var item = el("li", { "data-rule": String(rule.id) }, [
        el("span", { "class": "rm-rule-text", text: line }),
        el("button", { type: "button", "class": "button rm-mini", "data-move": "-1", text: "↑", title: text("rule_up"), "aria-label": text("rule_up") }),
        el("button", { type: "button", "class": "button rm-mini", "data-move": "1", text: "↓", title: text("rule_down"), "aria-label": text("rule_down") }),
        el("button", { type: "button", "class": "button rm-mini", "data-remove": "1", text: "×", title: text("rule_remove"), "aria-label": text("rule_remove") }),
      ]);
      item.querySelector('[data-move="-1"]').disabled = i === 0;
      item.querySelector('[data-move="1"]').disabled = i === DATA.rules.length - 1;
      item.querySelectorAll("[data-move]").forEach(function (b) { b.dataset.edge = b.disabled ? "1" : ""; });
      item.querySelectorAll("[data-move]").forEach(function (b) {
        b.addEventListener("click", function () { moveRule(i, Number(b.dataset.move)); });
      });
      item.querySelector("[data-remove]").addEventListener("click", function () { removeRule(rule.id); });
      list.appendChild(item);
    });
  }

  function said(id, words, ok) {
    var node = $(id);
    node.textContent = words || "";
    node.classList.toggle("is-ok", !!ok);
  }

  // While a change is being saved the list's buttons wait: a second click would act on the
  // order from before the first one.
  function busyRules(busy) {
    document.querySelectorAll("#rule-list button").forEach(function (b) { b.disabled = busy || b.dataset.edge === "1"; });
  }

  function moveRule(i, step) {
    var ids = DATA.rules.map(function (r) { return r.id; }), j = i + step;
    ids.splice(j, 0, ids.splice(i, 1)[0]);
    busyRules(true);
    api.call("POST", "/api/rich-menus/rules/order", { rule_ids: ids }).then(function (data) {
      DATA.rules = data.rules;
      renderRules();
      said("rules-message", text("rules_saved"), true);
    }).catch(function (error) { busyRules(false); said("rules-message", error.message, false); });
  }

  function removeRule(id) {
    busyRules(true);
    api.call("DELETE", "/api/rich-menus/rules/" + id).then(function () {
      DATA.rules = DATA.rules.filter(function (r) { return r.id !== id; });
      renderRules();
      said("rules-message", text("rules_saved"), true);
    }).catch(function (error) { busyRules(false); said("rules-message", error.message, false); });
  }

  // Field errors: the node for the field, else for its nearest parent path ("tabs[1].areas[0]" → "tabs[1]").
  function formErrors(form, errors) {
    form.querySelectorAll("[data-error]").forEach(function (node) { node.textContent = ""; });
    Object.keys(errors || {}).forEach(function (field) {
      var key = field, node = null;
      while (key && !(node = form.querySelector('[data-error="' + key + '"]'))) {
        key = key.indexOf(".") > 0 ? key.slice(0, key.lastIndexOf(".")) : "";
      }
      if (node && !node.textContent) node.textContent = errors[field];
    });
  }

  function options(select, rows, blank) {
    var kept = select.value;
    select.textContent = "";
    if (blank) select.appendChild(el("option", { value: "", text: text("no_menu") }));
    rows.forEach(function (r) { select.appendChild(el("option", { value: String(r.id), text: r.name })); });
    if (kept) select.value = kept;
  }

  function renderForms() {
    options($("rule-menu"), DATA.menus.filter(function (m) { return !m.tab_set || m.tab_index === 0; }), false);
    options($("rule-segment"), DATA.segments, false);
    var drawn = DATA.menus.filter(function (m) { return m.drawing && !m.tab_set; });
    document.querySelectorAll(".rm-tab").forEach(function (box, i) {
      options(box.querySelector("[data-key=menu_id]"), drawn, i === 2);
    });
  }

  function addRule(event) {
    event.preventDefault();
    var kind = $("rule-kind").value, priority = DATA.rules.reduce(function (top, r) { return Math.max(top, r.priority + 1); }, 0);
    var body = { menu_id: Number($("rule-menu").value) || null, kind: kind, priority: priority,
      segment_id: kind === "segment" ? Number($("rule-segment").value) || null : null,
      starts_at: $("rule-start").value || null, ends_at: $("rule-end").value || null };
    api.call("POST", "/api/rich-menus/rules", body).then(function (data) {
      formErrors($("rule-form"), {});
      DATA.rules.push(data.rule);
      renderRules();
      said("rule-message", text("rule_added"), true);
    }).catch(function (error) {
      formErrors($("rule-form"), error.data && error.data.errors);
      said("rule-message", error.message, false);
    });
  }

  function createTabSet(event) {
    event.preventDefault();
    var tabs = [];
    document.querySelectorAll(".rm-tab").forEach(function (box) {
      var menu = box.querySelector("[data-key=menu_id]").value;
      if (!menu) return;
      tabs.push({ menu_id: Number(menu), label: box.querySelector("[data-key=label]").value,
        alias_id: box.querySelector("[data-key=alias_id]").value });
    });
    api.call("POST", "/api/rich-menus/tab-sets", { name: $("tabset-name").value, tabs: tabs }).then(function (data) {
      formErrors($("tabset-form"), {});
      return Promise.all(data.menus.map(function (m) { return api.call("GET", "/api/rich-menus/" + m.id); })).then(function (all) {
        all.forEach(function (one) { DATA.menus.push(one.menu); });
        renderList();
        renderForms();
        showMenu(all[0].menu);
        said("tabset-message", text("tabset_saved"), true);
      });
    }).catch(function (error) {
      formErrors($("tabset-form"), error.data && error.data.errors);
      said("tabset-message", error.message, false);
    });
  }

  // -- publishing ---------------------------------------------------------------------------
  function replace(menu) {
    DATA.menus = DATA.menus.map(function (m) { return m.id === menu.id ? Object.assign({}, m, menu) : m; });
  }

  function publishing(path, done) {
    var message = $("publish-message");
    message.textContent = "";
    api.call("POST", "/api/rich-menus/" + shown.id + "/" + path).then(function (data) {
      return api.call("GET", "/api/rich-menus").then(function (all) {
        all.menus.forEach(replace);
        renderList();
        showMenu(DATA.menus.filter(function (m) { return m.id === data.menu.id; })[0]);
        message.textContent = text(done);
        message.classList.add("is-ok");
      });
    }).catch(function (error) {
      message.textContent = error.message;
      message.classList.remove("is-ok");
    });
  }

  // -- the editor -------------------------------------------------------------------------------
  function layout(size, count) {
    var w = SIZES[size][0], h = SIZES[size][1], rows = GRIDS[count], out = [];
    rows.forEach(function (cells, r) {
      var top = Math.floor(h * r / rows.length), bottom = Math.floor(h * (r + 1) / rows.length);
      for (var c = 0; c < cells; c++) {
        var left = Math.floor(w * c / cells), right = Math.floor(w * (c + 1) / cells);
        out.push({ x: left, y: top, width: right - left, height: bottom - top });
      }
    });
    return out;
  }

  function buttonRow(i) {
    var icon = el("select", { "data-key": "icon", "aria-label": text("icon") }, [el("option", { value: "", text: text("no_icon") })]
      .concat(DATA.icons.map(function (name) { return el("option", { value: name, text: text("icon_" + name) }); })));
    icon.value = DATA.icons[i % DATA.icons.length];
    var action = el("select", { "data-key": "type", "aria-label": text("action") },
      ACTIONS.map(function (a) { return el("option", { value: a, text: text("action_" + a) }); }));
    action.value = "message";
    return el("fieldset", { "class": "rm-button" }, [
      el("legend", { text: text("button", { n: i + 1 }) }),
      el("input", { "data-key": "label", "aria-label": text("label"), value: text("button", { n: i + 1 }), maxlength: "20" }),
      icon,
      el("input", { "data-key": "color", type: "color", value: "#06c755", "aria-label": text("color") }),
      action,
      el("input", { "data-key": "value", "aria-label": text("value"), value: text("button", { n: i + 1 }) }),
      el("p", { "class": "field-error", "data-error": "areas[" + i + "].action" }),
    ]);
  }

  function renderButtons() {
    var box = $("rm-buttons"), count = Number($("rm-count").value);
    box.textContent = "";
    for (var i = 0; i < count; i++) box.appendChild(buttonRow(i));
  }

  // "Open the store's search": a link to the Online Store's /search (with the words typed, if any).
  function searchAction(label, words) {
    var q = (words || "").trim();
    return { type: "uri", label: label, uri: DATA.search_url + (q ? "?q=" + encodeURIComponent(q) : "") };
  }

  function spec() {
    var size = $("rm-size").value, bounds = layout(size, Number($("rm-count").value));
    var rows = Array.prototype.slice.call(document.querySelectorAll(".rm-button"));
    function val(row, key) { return row.querySelector("[data-key=" + key + "]").value; }
    var areas = rows.map(function (row, i) {
      var type = val(row, "type"), action = { type: type, label: val(row, "label").slice(0, 20) };
      if (type === "search") return { bounds: bounds[i], action: searchAction(action.label, val(row, "value")) };
      action[{ uri: "uri", message: "text", postback: "data" }[type]] = val(row, "value");
      return { bounds: bounds[i], action: action };
    });
    return {
      name: $("rm-name").value, size: size, chat_bar_text: $("rm-bar").value, areas: areas, is_default: $("rm-default").checked,
      drawing: { areas: rows.map(function (row) { return { label: val(row, "label"), icon: val(row, "icon"), color: val(row, "color") }; }) },
    };
  }

  function showErrors(errors) {
    document.querySelectorAll("#editor [data-error]").forEach(function (node) { node.textContent = ""; });
    Object.keys(errors || {}).forEach(function (field) {
      var key = field.replace(/\.(uri|text|data|label|type)$/, "");
      var node = document.querySelector('#editor [data-error="' + key + '"]') || document.querySelector('#editor [data-error="' + field + '"]');
      if (node) node.textContent = errors[field];
    });
  }

  function preview() {
    var s = spec();
    return api.call("POST", "/api/rich-menus/preview", s).then(function (data) {
      showErrors({});
      show(data.image, s.size, s.areas, s.chat_bar_text, null);
      $("phone-note").textContent = data.font_ok ? text("size_note", { kb: Math.round(data.bytes / 1024) }) : text("font_missing");
    }).catch(function (error) { showErrors(error.data && error.data.errors); });
  }

  function save(event) {
    event.preventDefault();
    var message = $("editor-message");
    api.call("POST", "/api/rich-menus", spec()).then(function (data) {
      showErrors({});
      return api.call("GET", "/api/rich-menus/" + data.menus[0].id).then(function (one) {
        DATA.menus.push(one.menu);
        renderList();
        renderForms();
        showMenu(one.menu);
        message.textContent = text("saved");
        message.classList.add("is-ok");
      });
    }).catch(function (error) {
      showErrors(error.data && error.data.errors);
      message.textContent = error.message;
      message.classList.remove("is-ok");
    });
  }

  $("rm-count").addEventListener("change", renderButtons);
  $("rm-preview").addEventListener("click", preview);
  $("editor").addEventListener("submit", save);
  $("publish").addEventListener("click", function () { publishing("publish", "published"); });
  $("unpublish").addEventListener("click", function () { publishing("unpublish", "unpublished"); });
  $("rule-form").addEventListener("submit", addRule);
  $("rule-kind").addEventListener("change", function () { $("rule-segment-field").hidden = $("rule-kind").value !== "segment"; });
  $("tabset-form").addEventListener("submit", createTabSet);
  renderButtons();
  renderList();
  renderRules();
  renderForms();
  var first = DATA.menus.filter(function (m) { return m.is_default; })[0] || DATA.menus[0];
  if (first) showMenu(first); else show("", "large", [], "", null);
})();
