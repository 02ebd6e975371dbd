// The message-block editor the campaign composer and the sequence editor share: up to five
// blocks (text with variable chips and emoji, an uploaded image, product cards found in the
// catalog, a coupon, a button), each moved up or down or removed, and a menu to add one.
// It edits the array it is given in place and calls onChange after each edit; the page
// previews and saves. The server checks everything: showErrors puts its reasons next to
// the fields they name ("blocks[1].image", "steps[1].blocks[0].text"). Its texts are the
// page's "blocks.*" (admin.blocks.js.*, carried by pages that include this script).
window.TsunaguBlocks = (function () {
  var api = window.TsunaguApi;
  var el = api.el;
  var KINDS = ["text", "image", "products", "coupon", "button"];
  var EMOJI = ["😊", "🎉", "🎁", "✨", "🌸", "🍵", "🛒", "📦", "⏰", "❤️"];
  var uploaded = {};  // token -> what was uploaded (size), for this visit only

  var pageText = api.text;
  function T(key, values) { return pageText("blocks." + key, values); }

  // -- fields -------------------------------------------------------------------------------------
  function slot(name) { return el("p", { "class": "field-error", "data-error": name }); }

  function field(label, control, name) {
    var id = "f-" + name.replace(/[^\w]/g, "-");
    control.id = id;
    control.dataset.field = name;
    control.setAttribute("aria-describedby", id + "-error");
    var error = slot(name);
    error.id = id + "-error";
    return el("div", { "class": "field" }, [el("label", { "for": id, text: label }), control, error]);
  }

  function insertAtCursor(area, value) {
    var start = area.selectionStart == null ? area.value.length : area.selectionStart;
    var end = area.selectionEnd == null ? start : area.selectionEnd;
    area.value = area.value.slice(0, start) + value + area.value.slice(end);
    area.focus();
    area.setSelectionRange(start + value.length, start + value.length);
    area.dispatchEvent(new Event("input"));
  }

  function chips(area, names) {
    var bar = el("div", { "class": "cmp-chips" }, [el("span", { "class": "hint", text: T("insert") })]);
    names.forEach(function (name) {
      var chip = el("button", { type: "button", "class": "cmp-chip", "data-var": name, text: T("var_" + name) });
      chip.addEventListener("click", function () { insertAtCursor(area, "{" + name + "}"); });
      bar.appendChild(chip);
    });
    EMOJI.forEach(function (emoji) {
      var b = el("button", { type: "button", "class": "cmp-emoji", "aria-label": T("emoji") + " " + emoji, text: emoji });
      b.addEventListener("click", function () { insertAtCursor(area, emoji); });
      bar.appendChild(b);
    });
    return bar;
  }

  // -- errors ----------------------------------------------------------------------------------------
  // A reason goes to its field's slot, else to the nearest enclosing one ("steps[1].blocks[0]",
  // "steps[1].blocks", …), else to the fallback slot.
  function enclosing(name) {  // "steps[1].blocks[0].text" -> "steps[1].blocks[0]" -> "steps[1].blocks" -> …
    var cut = Math.max(name.lastIndexOf("."), name.lastIndexOf("["));
    return cut > 0 ? name.slice(0, cut) : "";
  }
  function slotOf(root, name, fallback) {
    for (var n = name; n; n = enclosing(n)) {
      var found = root.querySelector('[data-error="' + n + '"]');
      if (found) return found;
    }
    return fallback ? root.querySelector('[data-error="' + fallback + '"]') : null;
  }

  function showErrors(root, errors, fallback) {
    Array.prototype.forEach.call(root.querySelectorAll("[data-error]"), function (s) { s.textContent = ""; });
    Array.prototype.forEach.call(root.querySelectorAll("[aria-invalid]"), function (n) { n.removeAttribute("aria-invalid"); });
    Object.keys(errors || {}).forEach(function (name) {
      var target = slotOf(root, name, fallback);
      if (target) target.textContent = (target.textContent ? target.textContent + " " : "") + errors[name];
      var input = root.querySelector('[data-field="' + name + '"]');
      if (input) input.setAttribute("aria-invalid", "true");
    });
  }

  // The preview reads the app's own links (images in /media/) from this page's origin.
  function localised(messages, appUrl) {
    var own = appUrl + "/";
    return JSON.parse(JSON.stringify(messages), function (key, value) {
      return typeof value === "string" && value.indexOf(own) === 0 ? "/" + value.slice(own.length) : value;
    });
  }

  // -- the editor ---------------------------------------------------------------------------------------
  // options: name (the blocks' field path, "blocks"), limits ({blocks, products, label}), titles
  // (product id -> title, shared with the page), couponModes (default both), onChange.
  function editor(container, blocks, options) {
    var path = options.name || "blocks";
    var limits = options.limits;
    var titles = options.titles || {};
    var modes = options.couponModes || ["shared", "unique"];
    var onChange = options.onChange || function () {};
    var list = el("div", { "class": "cmp-blocks" });
    var menu = el("div", { "class": "actions cmp-add" });
    var DEFAULTS = {
      text: function () { return { type: "text", text: "" }; },
      image: function () { return { type: "image", token: "" }; },
      products: function () { return { type: "products", product_ids: [] }; },
      coupon: function () { return { type: "coupon", mode: modes[0], code: "", text: "" }; },
      button: function () { return { type: "button", text: "", label: "", url: "https://" }; }
    };

    function bound(tag, block, key, attrs) {
      var node = el(tag, attrs || {});
      node.value = block[key] == null ? "" : block[key];
      node.addEventListener("input", function () { block[key] = node.value; onChange(); });
      return node;
    }

    function upload(block, file, name, info) {
      var body = new FormData();
      body.append("file", file);
      info.textContent = T("uploading");
      var error = list.querySelector('[data-error="' + name + '.image"]');
      var input = list.querySelector('[data-field="' + name + '.image"]');
      fetch("/api/campaign-images", { method: "POST", body: body, credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) { return response.json().catch(function () { return {}; }).then(function (b) { return [response, b]; }); })
        .then(function (pair) {
          var b = pair[1];
          if (!pair[0].ok || !b.ok) {
            info.textContent = "";
            error.textContent = (b.errors && b.errors.file) || b.message || api.text("http_error", { status: pair[0].status });
            input.setAttribute("aria-invalid", "true");
            return;
          }
          error.textContent = "";
          input.removeAttribute("aria-invalid");
          block.token = b.image.token;
          var size = b.image.size < 1048576 ? T("size_kb", { n: Math.ceil(b.image.size / 1024) }) : T("size_mb", { n: (b.image.size / 1048576).toFixed(1) });
          uploaded[block.token] = T("uploaded", { width: b.image.width, height: b.image.height, size: size });
          info.textContent = uploaded[block.token];
          onChange();
        }, function () { info.textContent = api.text("network_error"); });
    }

    function productsEditor(block, name) {
      var search = el("input", { type: "search", autocomplete: "off" });
      var found = el("ul", { "class": "cmp-found" });
      var chosen = el("ul", { "class": "cmp-chosen", "data-chosen": "" });
      function drawChosen() {
        chosen.textContent = "";
        block.product_ids.forEach(function (id, i) {
          var remove = el("button", { type: "button", "class": "button", text: T("product_remove") });
          remove.addEventListener("click", function () { block.product_ids.splice(i, 1); drawChosen(); onChange(); });
          chosen.appendChild(el("li", {}, [el("span", { text: titles[id] || "#" + id }), remove]));
        });
      }
      var timer;
      search.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(function () {
          api.call("GET", "/api/campaign-products?q=" + encodeURIComponent(search.value)).then(function (body) {
            found.textContent = "";
            if (!body.products.length) found.appendChild(el("li", { "class": "muted", text: T("products_none") }));
            body.products.forEach(function (p) {
              titles[p.id] = p.title;
              var add = el("button", { type: "button", "class": "button", text: T("product_add") });
              add.addEventListener("click", function () {
                if (block.product_ids.indexOf(p.id) < 0) block.product_ids.push(p.id);
                drawChosen();
                onChange();
              });
              found.appendChild(el("li", {}, [el("span", { text: p.title + (p.in_stock ? "" : " (" + T("sold_out") + ")") }), add]));
            });
          }, function (error) { api.alert(error.message); });
        }, 250);
      });
      drawChosen();
      return [field(T("products_search"), search, name + ".search"), found,
        el("p", { "class": "small", text: T("products_chosen", { n: limits.products }) }), chosen, slot(name + ".products")];
    }

    // One editor per kind of block: the parts of its card.
    var EDITORS = {
      text: function (block, name) {
        var area = bound("textarea", block, "text", { rows: "5" });
        return [field(T("text_label"), area, name + ".text"), chips(area, ["customer_name", "shop_name"])];
      },
      image: function (block, name) {
        var input = el("input", { type: "file", accept: "image/jpeg,image/png" });
        var info = el("p", { "class": "hint", "data-image-info": "" });
        if (block.token) info.textContent = uploaded[block.token] || "";
        input.addEventListener("change", function () { if (input.files[0]) upload(block, input.files[0], name, info); });
        return [field(T("image_label"), input, name + ".image"), info];
      },
      products: productsEditor,
      coupon: function (block, name) {
        var parts = [];
        if (modes.length > 1 || modes.indexOf(block.mode) < 0) {  // a mode this page refuses stays visible, to change
          var mode = el("select", {});
          modes.concat(modes.indexOf(block.mode) < 0 ? [block.mode] : []).forEach(function (m) {
            mode.appendChild(el("option", { value: m, text: T("coupon_" + m) }));
          });
          mode.value = block.mode;
          mode.addEventListener("change", function () { block.mode = mode.value; render(); onChange(); });
          parts.push(field(T("coupon_mode"), mode, name + ".mode"));
        }
        if (block.mode === "unique") {
          parts.push(field(T("coupon_discount"), bound("input", block, "discount_id", { autocomplete: "off" }), name + ".discount_id"));
          parts.push(el("p", { "class": "hint", text: T("coupon_unique_note") }));
        } else {
          parts.push(field(T("coupon_code"), bound("input", block, "code", { autocomplete: "off" }), name + ".code"));
        }
        var area = bound("textarea", block, "text", { rows: "3" });
        parts.push(field(T("coupon_text"), area, name + ".text"), chips(area, ["coupon_code", "customer_name"]));
        return parts;
      },
      button: function (block, name) {
        return [
          field(T("button_text"), bound("textarea", block, "text", { rows: "2" }), name + ".text"),
          field(T("button_label", { n: limits.label }), bound("input", block, "label", { autocomplete: "off" }), name + ".label"),
          field(T("button_url"), bound("input", block, "url", { type: "url", autocomplete: "off" }), name + ".url")
        ];
      }
    };

    // -- the list of blocks -----------------------------------------------------------------------------
    function move(i, by) {
      var j = i + by;
      if (j < 0 || j >= blocks.length) return;
      var b = blocks[i];
      blocks[i] = blocks[j];
      blocks[j] = b;
      render();
      onChange();
    }

    function tool(label, onClick, disabled) {
      var b = el("button", { type: "button", "class": "button cmp-tool", text: label });
      b.disabled = !!disabled;
      b.addEventListener("click", onClick);
      return b;
    }

    function blockCard(block, i) {
      var name = path + "[" + i + "]";
      var known = KINDS.indexOf(block.type) >= 0;
      var head = el("div", { "class": "cmp-block-head" }, [
        el("h3", { text: T("block_n", { n: i + 1 }) + (known ? " · " + T("block_" + block.type) : "") }),
        tool(T("up"), function () { move(i, -1); }, i === 0),
        tool(T("down"), function () { move(i, 1); }, i === blocks.length - 1),
        tool(T("remove"), function () { blocks.splice(i, 1); render(); onChange(); })
      ]);
      var card = el("section", { "class": "card cmp-block", "data-block": String(i), "data-type": String(block.type) }, [head]);
      if (known) EDITORS[block.type](block, name).forEach(function (part) { card.appendChild(part); });
      card.appendChild(slot(name));
      return card;
    }

    function render() {
      list.textContent = "";
      blocks.forEach(function (block, i) { list.appendChild(blockCard(block, i)); });
      Array.prototype.forEach.call(menu.querySelectorAll("[data-add]"), function (b) {
        b.disabled = blocks.length >= limits.blocks;
      });
    }

    (options.allow || KINDS).forEach(function (kind) {
      var add = el("button", { type: "button", "class": "button", "data-add": kind, text: T("add_" + kind) });
      add.addEventListener("click", function () {
        if (blocks.length >= limits.blocks) return;
        blocks.push(DEFAULTS[kind]());
        render();
        onChange();
      });
      menu.appendChild(add);
    });
    container.textContent = "";
    container.appendChild(list);
    container.appendChild(menu);
    render();
    return { render: render };
  }

  return { editor: editor, showErrors: showErrors, localised: localised };
})();
