// Tsunagu: draws LINE message objects (Messaging API shapes) roughly the way the LINE app shows them.
// Needs api.js only for its own few words (TsunaguApi.text: the page's texts, in the merchant's
// language). Message data is untrusted: text goes through textContent only, links must be
// http(s)/line URIs, images http(s) or root-relative, colours #rgb/#rrggbb/#rrggbbaa.
(function () {
  "use strict";

  var SPACING = { none: "0", xs: "2px", sm: "4px", md: "8px", lg: "12px", xl: "16px", xxl: "20px" };
  var TEXT_SIZE = { xxs: "11px", xs: "13px", sm: "14px", md: "16px", lg: "19px", xl: "22px", xxl: "29px",
    "3xl": "35px", "4xl": "48px", "5xl": "74px" };
  var IMAGE_SIZE = { xxs: "40px", xs: "60px", sm: "80px", md: "100px", lg: "120px", xl: "140px", xxl: "160px",
    "3xl": "180px", "4xl": "200px", "5xl": "240px", full: "100%" };
  var BORDER = { none: "0", light: "0.5px", normal: "1px", medium: "2px", "semi-bold": "3px", bold: "4px" };
  // deca and hecto are approximations; unknown sizes fall back to mega.
  var BUBBLE_WIDTH = { nano: 120, micro: 160, deca: 220, hecto: 241, kilo: 260, mega: 300, giga: 500 };
  var JUSTIFY = { "flex-start": "flex-start", center: "center", "flex-end": "flex-end",
    "space-between": "space-between", "space-around": "space-around", "space-evenly": "space-evenly" };
  var ALIGN = { "flex-start": "flex-start", center: "center", "flex-end": "flex-end" };
  var GRAVITY = { top: "flex-start", center: "center", bottom: "flex-end" };
  var TEXT_ALIGN = { start: "start", center: "center", end: "end" };
  var OFFSETS = [["offsetTop", "top"], ["offsetBottom", "bottom"], ["offsetStart", "insetInlineStart"],
    ["offsetEnd", "insetInlineEnd"]];
  var PADDINGS = [["paddingTop", "paddingTop"], ["paddingBottom", "paddingBottom"],
    ["paddingStart", "paddingInlineStart"], ["paddingEnd", "paddingInlineEnd"]];

  // ---- small, safe helpers -------------------------------------------------------------------
  function own(map, key) {
    return typeof key === "string" && Object.prototype.hasOwnProperty.call(map, key) ? map[key] : "";
  }
  function obj(value) { return value && typeof value === "object" ? value : {}; }
  function list(value) { return Array.isArray(value) ? value : []; }
  function str(value) { return value == null ? "" : String(value); }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text != null && text !== "") node.textContent = String(text);
    return node;
  }
  function set(node, prop, value) { if (value) node.style[prop] = value; }
  function color(value) {
    return typeof value === "string" && /^#(?:[0-9a-f]{3}|[0-9a-f]{6}|[0-9a-f]{8})$/i.test(value) ? value : "";
  }
  function length(value, keywords) {  // a keyword of the map, or "12px" / "50%"
    var known = keywords ? own(keywords, value) : "";
    return known || (typeof value === "string" && /^\d+(\.\d+)?(px|%)$/.test(value) ? value : "");
  }
  function safeHref(uri) {
    var u = typeof uri === "string" ? uri.trim() : "";
    return /^(https?|line):/i.test(u) ? u : "";
  }
  function safeSrc(url) {
    var u = typeof url === "string" ? url.trim() : "";
    return /^(https?:\/\/|\/(?![\/\\]))/i.test(u) ? u : "";
  }
  function ratio(value, fallback) {  // "20:13" -> "20 / 13"
    var m = /^(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$/.exec(str(value));
    return m && +m[1] > 0 && +m[2] > 0 ? m[1] + " / " + m[2] : fallback;
  }
  function anchor(cls, href) {
    var a = el("a", cls);
    a.href = href;
    a.target = "_blank";
    a.rel = "noopener";
    return a;
  }
  // A grey frame holding a lazy image; the frame stays grey (placeholder) if the image fails.
  function image(url, cls, href) {
    var frame = href ? anchor("tf-img " + cls, href) : el("span", "tf-img " + cls);
    var src = safeSrc(url);
    if (!src) { frame.classList.add("tf-img-broken"); return frame; }
    var img = el("img");
    img.alt = "";
    img.loading = "lazy";
    img.decoding = "async";
    img.addEventListener("error", function () { img.remove(); frame.classList.add("tf-img-broken"); });
    img.src = src;
    frame.appendChild(img);
    return frame;
  }
  function note(text) { return el("div", "tf-note", text); }
  function unsupported(type) { return note(window.TsunaguApi.text("flex_unsupported", { type: type })); }

  // ---- actions -------------------------------------------------------------------------------
  function actionText(a) { return a.type === "message" ? str(a.text) : a.type === "postback" ? str(a.displayText) : ""; }
  // Quick replies prefer onQuickReply(text); buttons prefer onAction(action). Each falls back to the other.
  function runAction(action, ctx, quick) {
    var text = actionText(action);
    var say = text && typeof ctx.onQuickReply === "function";
    if (quick && say) return ctx.onQuickReply(text);
    if (typeof ctx.onAction === "function") return ctx.onAction(action);
    if (say) ctx.onQuickReply(text);
  }
  function actionEl(action, cls, ctx, quick) {
    var a = obj(action);
    var node;
    if (a.type === "uri") {
      var href = safeHref(a.uri);
      node = href ? anchor(cls, href) : el("span", cls + " tf-inert");
      node.textContent = str(a.label);
      return node;
    }
    node = el("button", cls, a.label);
    node.type = "button";
    node.addEventListener("click", function () { runAction(a, ctx, quick); });
    return node;
  }

  // ---- flex components -------------------------------------------------------------------------
  var COMPONENTS = { box: box, text: text, image: flexImage, icon: icon, button: button,
    separator: separator, filler: filler, spacer: spacer, video: video };
  var NO_FLEX = { separator: 1, icon: 1, spacer: 1 };

  function component(c, ctx, layout) {
    var make = c && typeof c === "object" ? own(COMPONENTS, c.type) : "";
    var node = make ? make(c, ctx, layout) : null;
    if (!node) return null;
    if (!NO_FLEX[c.type]) applyFlex(node, c, layout);
    position(node, c);
    return node;
  }
  // LINE's flex: children of horizontal/baseline boxes share the width (default 1),
  // children of vertical boxes keep their height (default 0).
  function applyFlex(node, c, layout) {
    var row = layout === "horizontal" || layout === "baseline";
    var grow = typeof c.flex === "number" && c.flex >= 0 ? c.flex : (row || c.type === "filler" ? 1 : 0);
    if (row) node.style.flex = grow > 0 ? grow + " 1 0px" : "0 1 auto";
    else node.style.flex = grow > 0 ? grow + " 0 auto" : "0 0 auto";
    var gravity = own(GRAVITY, c.gravity);
    if (row && layout !== "baseline" && gravity) node.style.alignSelf = gravity;
  }
  function position(node, c) {
    if (c.position === "absolute") node.style.position = "absolute";
    OFFSETS.forEach(function (o) { set(node, o[1], length(c[o[0]], SPACING)); });
  }

  function box(c, ctx) {
    var layout = c.layout === "horizontal" || c.layout === "baseline" ? c.layout : "vertical";
    var node = el("div", "tf-box tf-" + layout);
    var gap = length(c.spacing, SPACING);
    list(c.contents).forEach(function (child) {
      var out = component(child, ctx, layout);
      if (!out) return;
      var margin = length(child.margin, SPACING) || gap;
      if (margin && node.firstChild) out.style[layout === "vertical" ? "marginTop" : "marginInlineStart"] = margin;
      node.appendChild(out);
    });
    boxStyle(node, c);
    return node;
  }
  function boxStyle(node, c) {
    set(node, "backgroundColor", color(c.backgroundColor));
    set(node, "borderRadius", length(c.cornerRadius, SPACING));
    var border = length(c.borderWidth, BORDER);
    if (border) node.style.border = border + " solid " + (color(c.borderColor) || "#111111");
    set(node, "padding", length(c.paddingAll, SPACING));
    PADDINGS.forEach(function (p) { set(node, p[1], length(c[p[0]], SPACING)); });
    set(node, "justifyContent", own(JUSTIFY, c.justifyContent));
    set(node, "alignItems", own(ALIGN, c.alignItems));
    ["width", "maxWidth", "height", "maxHeight"].forEach(function (k) { set(node, k, length(c[k])); });
  }

  function textStyle(node, c) {
    set(node, "fontSize", length(c.size, TEXT_SIZE));
    if (c.weight === "bold") node.style.fontWeight = "700";
    if (c.style === "italic") node.style.fontStyle = "italic";
    set(node, "color", color(c.color));
    if (c.decoration === "line-through" || c.decoration === "underline") node.style.textDecorationLine = c.decoration;
  }
  function text(c) {
    var node = el("div", "tf-text");
    var spans = list(c.contents).filter(function (s) { return s && s.type === "span"; });
    if (spans.length) {
      spans.forEach(function (s) {
        var span = el("span", "tf-span", s.text);
        textStyle(span, s);
        node.appendChild(span);
      });
    } else {
      node.textContent = str(c.text);
    }
    textStyle(node, c);
    set(node, "textAlign", own(TEXT_ALIGN, c.align));
    set(node, "lineHeight", length(c.lineSpacing) ? "calc(1em + " + c.lineSpacing + ")" : "");
    if (c.wrap === true) {
      node.classList.add("tf-wrap");
      var lines = Math.floor(+c.maxLines);
      if (lines > 0) { node.classList.add("tf-clamp"); node.style.webkitLineClamp = String(lines); }
    }
    return node;
  }

  function flexImage(c, ctx) {
    var cell = el("div", "tf-image");
    var act = obj(c.action);
    var frame = image(c.url, "tf-frame", act.type === "uri" ? safeHref(act.uri) : "");
    frame.style.width = length(c.size, IMAGE_SIZE) || IMAGE_SIZE.md;
    frame.style.aspectRatio = ratio(c.aspectRatio, "1 / 1");
    if (c.aspectMode === "cover") frame.classList.add("tf-cover");
    set(frame, "backgroundColor", color(c.backgroundColor));
    set(cell, "justifyContent", own({ start: "flex-start", center: "center", end: "flex-end" }, c.align));
    cell.appendChild(frame);
    return cell;
  }
  function icon(c) {
    var frame = image(c.url, "tf-icon");
    frame.style.height = length(c.size, TEXT_SIZE) || TEXT_SIZE.md;
    frame.style.aspectRatio = ratio(c.aspectRatio, "1 / 1");
    return frame;
  }
  function button(c, ctx) {
    var style = c.style === "primary" || c.style === "secondary" ? c.style : "link";
    var node = actionEl(c.action, "tf-button tf-" + style + (c.height === "sm" ? " tf-sm" : ""), ctx, false);
    set(node, style === "link" ? "color" : "backgroundColor", color(c.color));
    return node;
  }
  function separator(c) {
    var node = el("div", "tf-separator");
    set(node, "backgroundColor", color(c.color));
    return node;
  }
  function filler() { return el("div", "tf-filler"); }
  function spacer(c) {
    var node = el("div", "tf-spacer");
    node.style.height = length(c.size, SPACING) || SPACING.md;
    return node;
  }
  function video(c, ctx) { return component(c.altContent, ctx, "vertical"); }

  // ---- bubbles and carousels ---------------------------------------------------------------------
  var BLOCKS = ["header", "hero", "body", "footer"];

  function bubble(b, ctx) {
    var size = own(BUBBLE_WIDTH, b.size) ? b.size : "mega";
    var node = el("div", "tf-bubble tf-flex tf-size-" + size);
    node.style.width = BUBBLE_WIDTH[size] + "px";
    if (b.direction === "rtl") node.dir = "rtl";
    var styles = obj(b.styles);
    BLOCKS.forEach(function (name) {
      var out = b[name] ? component(b[name], ctx, "vertical") : null;
      if (!out) return;
      var style = obj(styles[name]);
      out.classList.add("tf-block", "tf-" + name);
      out.style.flex = "";
      if (!out.style.backgroundColor) set(out, "backgroundColor", color(style.backgroundColor));
      if (style.separator === true && node.firstChild) {
        out.style.borderTop = "1px solid " + (color(style.separatorColor) || "#e5e5e5");
      }
      node.appendChild(out);
    });
    return node;
  }
  function scroller(items) {
    var node = el("div", "tf-carousel");
    items.forEach(function (item) { if (item) node.appendChild(item); });
    return node;
  }
  function flexMessage(m, ctx) {
    var c = obj(m.contents);
    if (c.type === "bubble") return bubble(c, ctx);
    if (c.type === "carousel") {
      return scroller(list(c.contents).map(function (b) { return obj(b).type === "bubble" ? bubble(b, ctx) : null; }));
    }
    return unsupported("flex " + str(c.type));
  }

  // ---- templates ---------------------------------------------------------------------------------
  function templateCard(t, ctx, look) {
    var node = el("div", "tf-bubble tf-template");
    if (t.thumbnailImageUrl) {
      var thumb = image(t.thumbnailImageUrl, "tf-thumb");
      thumb.style.aspectRatio = look.imageAspectRatio === "square" ? "1 / 1" : "1.51 / 1";
      if (look.imageSize !== "contain") thumb.classList.add("tf-cover");
      set(thumb, "backgroundColor", color(t.imageBackgroundColor));
      node.appendChild(thumb);
    }
    var body = el("div", "tf-template-body");
    if (t.title) body.appendChild(el("div", "tf-template-title", t.title));
    body.appendChild(el("div", "tf-template-text", t.text));
    node.appendChild(body);
    node.appendChild(templateActions(t.actions, ctx, ""));
    return node;
  }
  function templateActions(actions, ctx, cls) {
    var row = el("div", "tf-template-actions " + cls);
    list(actions).forEach(function (a) { row.appendChild(actionEl(a, "tf-template-action", ctx, false)); });
    return row;
  }
  function confirmCard(t, ctx) {
    var node = el("div", "tf-bubble tf-template tf-confirm");
    node.appendChild(el("div", "tf-template-body tf-template-text", t.text));
    node.appendChild(templateActions(list(t.actions).slice(0, 2), ctx, "tf-side-by-side"));
    return node;
  }
  function imageColumn(col, ctx) {
    var node = el("div", "tf-bubble tf-template tf-image-column");
    var act = obj(col.action);
    node.appendChild(image(col.imageUrl, "tf-thumb tf-cover", act.type === "uri" ? safeHref(act.uri) : ""));
    if (act.label) node.appendChild(actionEl(act, "tf-template-action", ctx, false));
    return node;
  }
  function templateMessage(m, ctx) {
    var t = obj(m.template);
    if (t.type === "buttons") return templateCard(t, ctx, t);
    if (t.type === "confirm") return confirmCard(t, ctx);
    if (t.type === "carousel") {
      return scroller(list(t.columns).map(function (col) { return templateCard(obj(col), ctx, t); }));
    }
    if (t.type === "image_carousel") {
      return scroller(list(t.columns).map(function (col) { return imageColumn(obj(col), ctx); }));
    }
    return unsupported("template " + str(t.type));
  }

  // ---- messages and chat rows -------------------------------------------------------------------
  var MESSAGES = {
    text: function (m) { return el("div", "tf-says", m.text); },
    flex: flexMessage,
    template: templateMessage,
    image: function (m) { return image(m.previewImageUrl || m.originalContentUrl, "tf-photo"); },
    sticker: function () { return el("div", "tf-sticker", window.TsunaguApi.text("flex_sticker")); }
  };

  function renderMessage(message, options) {
    var m = obj(message);
    var make = own(MESSAGES, m.type);
    if (make) {
      try { return make(m, options || {}); } catch (err) { if (window.console) console.error(err); }
    }
    return unsupported(str(m.type) || "?");
  }

  function quickReplies(items, ctx) {
    var bar = el("div", "tf-quick");
    items.forEach(function (item) {
      var a = obj(obj(item).action);
      if (!a.type) return;
      var pill = actionEl(a, "tf-pill", ctx, true);
      if (obj(item).imageUrl) pill.insertBefore(image(item.imageUrl, "tf-pill-icon"), pill.firstChild);
      bar.appendChild(pill);
    });
    bar.addEventListener("click", function (e) { if (e.target.closest("button")) bar.remove(); });
    return bar.firstChild ? bar : null;
  }

  function renderMessages(container, messages, options) {
    var opts = options || {};
    var side = opts.side === "user" ? "user" : "bot";
    var items = Array.isArray(messages) ? messages : messages ? [messages] : [];
    // Quick replies belong to the latest message only, as in LINE.
    Array.prototype.slice.call(container.children).forEach(function (child) {
      if (child.classList.contains("tf-quick")) child.remove();
    });
    items.forEach(function (m) {
      var row = el("div", "tf-row tf-" + side);
      if (side === "bot") {
        var prev = container.lastElementChild;
        var avatar = el("div", prev && prev.classList.contains("tf-bot") ? "tf-avatar tf-avatar-gap" : "tf-avatar");
        avatar.setAttribute("aria-hidden", "true");
        row.appendChild(avatar);
      }
      var content = el("div", "tf-content");
      content.appendChild(renderMessage(m, opts));
      row.appendChild(content);
      container.appendChild(row);
    });
    var last = obj(items[items.length - 1]);
    var bar = quickReplies(list(obj(last.quickReply).items), opts);
    if (bar) container.appendChild(bar);
  }

  window.TsunaguFlex = { renderMessages: renderMessages, renderMessage: renderMessage };
})();
