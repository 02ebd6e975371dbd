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
    DATA.rules.forEach(function (rule) {
      var line = text("rule_" + rule.kind, { menu: nameOf(rule.menu_id, DATA.menus), segment: nameOf(rule.segment_id, DATA.segments) });
      if (rule.starts_at || rule.ends_at) {
        line += text("period", { start: (rule.starts_at || "").slice(0, 16), end: (rule.ends_at || "").slice(0, 16) });
      }
      list.appendChild(el("li", { text: line }));
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
  renderButtons();
  renderList();
  renderRules();
  var first = DATA.menus.filter(function (m) { return m.is_default; })[0] || DATA.menus[0];
  if (first) showMenu(first); else show("", "large", [], "", null);
})();
