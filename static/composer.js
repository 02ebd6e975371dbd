// The campaign composer: up to five message blocks (text, image, product cards, coupon,
// button) with a live LINE preview the server compiles (POST /api/campaigns/preview, the
// same code that builds what is sent), image upload, product search, a test send to chosen
// friends, and saving the draft. The server checks everything: its reasons land next to
// the fields they name ("blocks[1].image").
(function () {
  var api = window.TsunaguApi;
  var el = api.el;
  var text = api.text;
  var form = document.getElementById("composer");
  if (!form) return;
  var data = JSON.parse(document.getElementById("composer-data").textContent);
  var campaign = data.campaign;
  var blocks = campaign ? campaign.blocks.slice() : [{ type: "text", text: "" }];
  var titles = data.product_titles || {};
  var uploaded = {};  // token -> what was uploaded (size), for this visit only
  var box = document.getElementById("blocks");
  var EMOJI = ["😊", "🎉", "🎁", "✨", "🌸", "🍵", "🛒", "📦", "⏰", "❤️"];
  var DEFAULTS = {
    text: function () { return { type: "text", text: "" }; },
    image: function () { return { type: "image", token: "" }; },
    products: function () { return { type: "products", product_ids: [] }; },
    coupon: function () { return { type: "coupon", mode: "shared", code: "", text: "" }; },
    button: function () { return { type: "button", text: "", label: "", url: "https://" }; }
  };

  // -- fields -----------------------------------------------------------------------------------
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

  function bound(tag, block, key, attrs) {
    var node = el(tag, attrs || {});
    node.value = block[key] == null ? "" : block[key];
    node.addEventListener("input", function () { block[key] = node.value; changed(); });
    return node;
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
    var bar = el("div", { "class": "cmp-chips" }, [el("span", { "class": "hint", text: text("insert") })]);
    names.forEach(function (name) {
      var chip = el("button", { type: "button", "class": "cmp-chip", "data-var": name, text: text("var_" + name) });
      chip.addEventListener("click", function () { insertAtCursor(area, "{" + name + "}"); });
      bar.appendChild(chip);
    });
    EMOJI.forEach(function (emoji) {
      var b = el("button", { type: "button", "class": "cmp-emoji", "aria-label": text("emoji") + " " + emoji, text: emoji });
      b.addEventListener("click", function () { insertAtCursor(area, emoji); });
      bar.appendChild(b);
    });
    return bar;
  }

  // -- one editor per kind of block ---------------------------------------------------------------
  var EDITORS = {
    text: function (block, name) {
      var area = bound("textarea", block, "text", { rows: "5" });
      return [field(text("text_label"), area, name + ".text"), chips(area, ["customer_name", "shop_name"])];
    },
    image: function (block, name) {
      var input = el("input", { type: "file", accept: "image/jpeg,image/png" });
      var info = el("p", { "class": "hint", "data-image-info": "" });
      if (block.token) info.textContent = uploaded[block.token] || "";
      input.addEventListener("change", function () { if (input.files[0]) upload(block, input.files[0], name, info); });
      return [field(text("image_label"), input, name + ".image"), info];
    },
    products: function (block, name) { return productsEditor(block, name); },
    coupon: function (block, name) {
      var mode = el("select", {});
      ["shared", "unique"].forEach(function (m) {
        mode.appendChild(el("option", { value: m, text: text("coupon_" + m) }));
      });
      mode.value = block.mode;
      mode.addEventListener("change", function () { block.mode = mode.value; render(); changed(); });
      var parts = [field(text("coupon_mode"), mode, name + ".mode")];
      if (block.mode === "unique") {
        parts.push(field(text("coupon_discount"), bound("input", block, "discount_id", { autocomplete: "off" }), name + ".discount_id"));
        parts.push(el("p", { "class": "hint", text: text("coupon_unique_note") }));
      } else {
        parts.push(field(text("coupon_code"), bound("input", block, "code", { autocomplete: "off" }), name + ".code"));
      }
      var area = bound("textarea", block, "text", { rows: "3" });
      parts.push(field(text("coupon_text"), area, name + ".text"), chips(area, ["coupon_code", "customer_name"]));
      return parts;
    },
    button: function (block, name) {
      return [
        field(text("button_text"), bound("textarea", block, "text", { rows: "2" }), name + ".text"),
        field(text("button_label", { n: data.limits.label }), bound("input", block, "label", { autocomplete: "off" }), name + ".label"),
        field(text("button_url"), bound("input", block, "url", { type: "url", autocomplete: "off" }), name + ".url")
      ];
    }
  };

  function productsEditor(block, name) {
    var search = el("input", { type: "search", autocomplete: "off" });
    var found = el("ul", { "class": "cmp-found" });
    var chosen = el("ul", { "class": "cmp-chosen", "data-chosen": "" });
    function drawChosen() {
      chosen.textContent = "";
      block.product_ids.forEach(function (id, i) {
        var remove = el("button", { type: "button", "class": "button", text: text("product_remove") });
        remove.addEventListener("click", function () { block.product_ids.splice(i, 1); drawChosen(); changed(); });
        chosen.appendChild(el("li", {}, [el("span", { text: titles[id] || "#" + id }), remove]));
      });
    }
    var timer;
    search.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        api.call("GET", "/api/campaign-products?q=" + encodeURIComponent(search.value)).then(function (body) {
          found.textContent = "";
          if (!body.products.length) found.appendChild(el("li", { "class": "muted", text: text("products_none") }));
          body.products.forEach(function (p) {
            titles[p.id] = p.title;
            var add = el("button", { type: "button", "class": "button", text: text("product_add") });
            add.addEventListener("click", function () {
              if (block.product_ids.indexOf(p.id) < 0) block.product_ids.push(p.id);
              drawChosen();
              changed();
            });
            found.appendChild(el("li", {}, [el("span", { text: p.title + (p.in_stock ? "" : " (" + text("sold_out") + ")") }), add]));
          });
        }, function (error) { api.alert(error.message); });
      }, 250);
    });
    drawChosen();
    return [field(text("products_search"), search, name + ".search"), found,
      el("p", { "class": "small", text: text("products_chosen", { n: data.limits.products }) }), chosen, slot(name + ".products")];
  }

  // -- the list of blocks ---------------------------------------------------------------------------
  function move(i, by) {
    var j = i + by;
    if (j < 0 || j >= blocks.length) return;
    var b = blocks[i];
    blocks[i] = blocks[j];
    blocks[j] = b;
    render();
    changed();
  }

  function tool(label, onClick, disabled) {
    var b = el("button", { type: "button", "class": "button cmp-tool", text: label });
    b.disabled = !!disabled;
    b.addEventListener("click", onClick);
    return b;
  }

  function blockCard(block, i) {
    var name = "blocks[" + i + "]";
    var head = el("div", { "class": "cmp-block-head" }, [
      el("h3", { text: text("block_n", { n: i + 1 }) + " · " + text("block_" + block.type) }),
      tool(text("up"), function () { move(i, -1); }, i === 0),
      tool(text("down"), function () { move(i, 1); }, i === blocks.length - 1),
      tool(text("remove"), function () { blocks.splice(i, 1); render(); changed(); })
    ]);
    var card = el("section", { "class": "card cmp-block", "data-block": String(i), "data-type": block.type }, [head]);
    EDITORS[block.type](block, name).forEach(function (part) { card.appendChild(part); });
    card.appendChild(slot(name));
    return card;
  }

  function render() {
    box.textContent = "";
    blocks.forEach(function (block, i) { box.appendChild(blockCard(block, i)); });
    Array.prototype.forEach.call(document.querySelectorAll("[data-add]"), function (b) {
      b.disabled = blocks.length >= data.limits.blocks;
    });
  }

  document.getElementById("add-block").addEventListener("click", function (e) {
    var kind = e.target.closest("[data-add]");
    if (!kind || blocks.length >= data.limits.blocks) return;
    blocks.push(DEFAULTS[kind.dataset.add]());
    render();
    changed();
  });

  // -- errors and preview -----------------------------------------------------------------------------
  function showErrors(errors) {
    Array.prototype.forEach.call(form.querySelectorAll("[data-error]"), function (s) { s.textContent = ""; });
    Array.prototype.forEach.call(form.querySelectorAll("[aria-invalid]"), function (n) { n.removeAttribute("aria-invalid"); });
    Object.keys(errors || {}).forEach(function (name) {
      var target = form.querySelector('[data-error="' + name + '"]') ||
        form.querySelector('[data-error="' + name.replace(/\.[^.\]]+$/, "") + '"]') || form.querySelector('[data-error="blocks"]');
      target.textContent = (target.textContent ? target.textContent + " " : "") + errors[name];
      var input = form.querySelector('[data-field="' + name + '"]') || (name === "name" ? document.getElementById("name") : null);
      if (input) input.setAttribute("aria-invalid", "true");
    });
  }

  function local(url) {  // the app's own links (images in /media/), read from this page's origin
    var own = data.app_url + "/";
    return typeof url === "string" && url.indexOf(own) === 0 ? "/" + url.slice(own.length) : url;
  }
  function localised(messages) {
    return JSON.parse(JSON.stringify(messages), function (key, value) { return local(value); });
  }

  var preview = document.getElementById("preview");
  var previewStatus = document.getElementById("preview-status");
  var timer;
  function changed() {
    clearTimeout(timer);
    previewStatus.textContent = text("previewing");
    timer = setTimeout(refresh, 300);
  }
  function refresh() {
    api.call("POST", "/api/campaigns/preview", { blocks: blocks }).then(function (body) {
      showErrors({});
      preview.textContent = "";
      window.TsunaguFlex.renderMessages(preview, localised(body.messages), { side: "bot" });
      previewStatus.textContent = "";
    }, function (error) {
      showErrors((error.data || {}).errors);
      previewStatus.textContent = (error.data || {}).errors ? text("preview_fix") : error.message;
    });
  }

  function upload(block, file, name, info) {
    var body = new FormData();
    body.append("file", file);
    info.textContent = text("uploading");
    fetch("/api/campaign-images", { method: "POST", body: body, credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.json().catch(function () { return {}; }).then(function (b) { return [response, b]; }); })
      .then(function (pair) {
        var b = pair[1];
        if (!pair[0].ok || !b.ok) {
          info.textContent = "";
          var errors = {};
          errors[name + ".image"] = (b.errors && b.errors.file) || b.message || text("http_error", { status: pair[0].status });
          showErrors(errors);
          return;
        }
        block.token = b.image.token;
        uploaded[block.token] = text("uploaded", { width: b.image.width, height: b.image.height, size: b.image.size < 1048576 ? Math.ceil(b.image.size / 1024) + " KB" : (b.image.size / 1048576).toFixed(1) + " MB" });
        info.textContent = uploaded[block.token];
        changed();
      }, function () { info.textContent = text("network_error"); });
  }

  // -- audience, saving ----------------------------------------------------------------------------
  var audience = document.getElementById("audience");
  audience.appendChild(el("option", { value: "all", text: text("everyone") }));
  data.segments.forEach(function (s) { audience.appendChild(el("option", { value: String(s.id), text: text("segment", { name: s.name }) })); });
  if (campaign && campaign.audience.kind === "segment") audience.value = String(campaign.audience.segment_id);

  function draft() {
    var chosen = audience.value === "all" ? { kind: "all" } : { kind: "segment", segment_id: Number(audience.value) };
    return { name: document.getElementById("name").value, audience: chosen, blocks: blocks,
      exempt_from_cap: document.getElementById("exempt").checked };
  }

  var message = form.querySelector(".form-message");
  function save(next) {
    message.textContent = "";
    var call = campaign ? api.call("PUT", "/api/campaigns/" + campaign.id, draft()) : api.call("POST", "/api/campaigns", draft());
    call.then(function (body) {
      campaign = { id: body.campaign.id };
      showErrors({});
      if (next) { window.location.href = form.dataset.list + "/" + campaign.id + "/forecast"; return; }
      history.replaceState(null, "", form.dataset.list + "/" + campaign.id);
      message.textContent = text("saved");
    }, function (error) {
      showErrors((error.data || {}).errors);
      message.textContent = error.message;
    });
  }
  form.addEventListener("submit", function (e) { e.preventDefault(); save(true); });
  document.getElementById("save-draft").addEventListener("click", function () { save(false); });

  // -- test send ------------------------------------------------------------------------------------
  var chosenFriends = [];
  var friendFound = document.getElementById("friend-found");
  var friendChosen = document.getElementById("friend-chosen");
  function drawFriends() {
    friendChosen.textContent = "";
    chosenFriends.forEach(function (f, i) {
      var remove = el("button", { type: "button", "class": "button", text: text("remove") });
      remove.addEventListener("click", function () { chosenFriends.splice(i, 1); drawFriends(); });
      friendChosen.appendChild(el("li", {}, [el("span", { text: f.name }), remove]));
    });
  }
  var friendTimer;
  document.getElementById("friend-search").addEventListener("input", function (e) {
    clearTimeout(friendTimer);
    var q = e.target.value;
    friendTimer = setTimeout(function () {
      api.call("GET", "/api/campaign-friends?q=" + encodeURIComponent(q)).then(function (body) {
        friendFound.textContent = "";
        if (!body.friends.length) friendFound.appendChild(el("li", { "class": "muted", text: text("friends_none") }));
        body.friends.forEach(function (f) {
          var add = el("button", { type: "button", "class": "button", text: text("choose") });
          add.addEventListener("click", function () {
            if (chosenFriends.length < 5 && !chosenFriends.some(function (c) { return c.id === f.id; })) chosenFriends.push(f);
            drawFriends();
          });
          friendFound.appendChild(el("li", {}, [el("span", { text: f.name }), add]));
        });
      }, function (error) { api.alert(error.message); });
    }, 250);
  });
  document.getElementById("test-send").addEventListener("click", function () {
    var out = document.getElementById("test-message");
    out.textContent = text("test_sending");
    var ids = chosenFriends.map(function (f) { return f.id; });
    api.call("POST", "/api/campaigns/test", { blocks: blocks, friend_ids: ids }).then(function (body) {
      out.textContent = body.message;
    }, function (error) {
      showErrors((error.data || {}).errors);
      out.textContent = error.message;
    });
  });

  render();
  refresh();
})();
