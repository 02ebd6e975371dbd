// Sequences (ステップ配信): the list's switches, and the editor — trigger, steps on a timeline
// with real dates for a friend entering now (POST /api/sequences/timeline), each step's
// messages in the composer's block editor (static/blocks.js; a shared coupon code only: a code
// per recipient is a campaign's), the LINE preview of the step being edited compiled by the
// composer's own endpoint (POST /api/campaigns/preview), a test send through the composer's
// (POST /api/campaigns/test), and the per-step results. The server checks everything: its
// reasons land next to the fields they name ("steps[1].delay.amount", "steps[1].blocks[0].text").
(function () {
  var api = window.TsunaguApi;
  var el = api.el;
  var text = api.text;

  // -- the list: one switch per sequence ---------------------------------------------------------
  Array.prototype.forEach.call(document.querySelectorAll("[data-switch]"), function (box) {
    box.addEventListener("change", function () {
      var out = document.getElementById("switch-message");
      api.call("POST", "/api/sequences/" + box.dataset.switch + "/switch", { enabled: box.checked }).then(function (body) {
        out.textContent = body.enabled ? text("switched_on") : text("switched_off", { n: body.ended });
      }, function (error) { box.checked = !box.checked; out.textContent = error.message; });
    });
  });

  var form = document.getElementById("seq-editor");
  if (!form) return;
  var data = JSON.parse(document.getElementById("sequence-data").textContent);
  var current = data.current || {
    name: "", trigger: { kind: "friend_added" }, entry_segment_id: null, exit_on_purchase: true,
    reentry: false, enabled: false, cap_wait_days: 3,
    steps: [{ greeting: false, delay: { amount: 1, unit: "days", from: "previous", at: "10:00" }, blocks: [{ type: "text", text: "" }], condition: null }]
  };
  var steps = current.steps;
  var dates = data.dates || [];
  var titles = data.product_titles || {};
  var shown = Math.max(0, steps.findIndex(function (s) { return !s.greeting; }));  // the step in the preview
  var $ = function (id) { return document.getElementById(id); };

  // -- the sequence's own fields ---------------------------------------------------------------------
  var trigger = $("seq-trigger");
  data.triggers.forEach(function (k) { trigger.appendChild(el("option", { value: k, text: text("trigger." + k) })); });
  var source = $("seq-source");
  source.appendChild(el("option", { value: "", text: text("source_pick") }));
  data.sources.forEach(function (s) { source.appendChild(el("option", { value: String(s.id), text: s.name })); });
  var sourceId = current.trigger.source_id;
  if (sourceId && !data.sources.some(function (s) { return s.id === sourceId; })) {
    source.appendChild(el("option", { value: String(sourceId), text: text("source_gone", { id: sourceId }) }));
  }
  $("seq-source-none").hidden = data.sources.length > 0;
  [$("seq-segment"), $("seq-entry")].forEach(function (select, i) {
    if (i === 1) select.appendChild(el("option", { value: "", text: text("no_segment") }));
    data.segments.forEach(function (s) { select.appendChild(el("option", { value: String(s.id), text: s.name })); });
  });
  $("seq-name").value = current.name;
  trigger.value = current.trigger.kind;
  $("seq-n").value = current.trigger.n || 2;
  if (current.trigger.segment_id) $("seq-segment").value = String(current.trigger.segment_id);
  source.value = sourceId ? String(sourceId) : "";
  $("seq-entry").value = current.entry_segment_id ? String(current.entry_segment_id) : "";
  $("seq-exit").checked = current.exit_on_purchase;
  $("seq-reentry").checked = current.reentry;
  $("seq-wait").value = current.cap_wait_days;
  $("seq-enabled").checked = current.enabled;
  function triggerParams() {
    $("seq-n-field").hidden = trigger.value !== "nth_purchase";
    $("seq-segment-field").hidden = trigger.value !== "segment_entered";
    $("seq-source-field").hidden = trigger.value !== "source";
  }
  trigger.addEventListener("change", triggerParams);
  triggerParams();

  function number(id) { var v = $(id).value; return v === "" ? null : Number(v); }
  function payload() {
    var kind = trigger.value;
    var t = { kind: kind };
    if (kind === "nth_purchase") t.n = number("seq-n");
    if (kind === "segment_entered") t.segment_id = number("seq-segment");
    if (kind === "source") t.source_id = number("seq-source");
    return { name: $("seq-name").value, trigger: t, entry_segment_id: number("seq-entry"),
      exit_on_purchase: $("seq-exit").checked, reentry: $("seq-reentry").checked,
      cap_wait_days: number("seq-wait"), enabled: $("seq-enabled").checked, steps: steps };
  }

  // -- steps ---------------------------------------------------------------------------------------------
  function slot(name) { return el("p", { "class": "field-error", "data-error": name }); }
  function input(attrs, value, set) {
    var node = el("input", attrs);
    node.value = value == null ? "" : value;
    node.addEventListener("input", function () { set(node.value); changed(); });
    node.addEventListener("change", function () { set(node.value); changed(); });
    return node;
  }
  function select(options, value, set, label) {
    var node = el("select", { "aria-label": label });
    options.forEach(function (o) { node.appendChild(el("option", { value: o[0], text: o[1] })); });
    node.value = value;
    node.addEventListener("change", function () { set(node.value); changed(); });
    return node;
  }

  // The step's messages: the composer's block editor, its reasons (from saving or from the
  // preview) beside its fields.
  function blocksEditor(step, i) {
    var f = "steps[" + i + "].blocks";
    var box = el("div", { "class": "seq-blocks" });
    window.TsunaguBlocks.editor(box, step.blocks, {
      name: f, limits: data.limits, titles: titles, couponModes: ["shared"],
      onChange: function () { show(i); changed(); }
    });
    return el("div", { "data-blocks": String(i) }, [box, slot(f)]);
  }
  function show(i) {  // the step in the preview (and the test send)
    shown = i;
    Array.prototype.forEach.call(document.querySelectorAll("#steps > li"), function (li) {
      li.classList.toggle("seq-active", li.dataset.step === String(i));
    });
  }

  function conditionValue(step) { return step.condition ? step.condition.mode + ":" + step.condition.fact : ""; }
  function stepEditor(step, i) {
    var f = "steps[" + i + "]";
    var when = el("span", { "class": "seq-when", "data-when": String(i) });
    var head = el("div", { "class": "seq-step-head" }, [el("h3", { text: text("step_title", { n: i + 1 }) }), when]);
    var body = [head];
    if (step.greeting) {
      body.push(el("p", { "class": "hint", text: text("greeting") }));
    } else {
      var d = step.delay;
      var units = data.units.map(function (u) { return [u, text("unit_" + u)]; });
      var row = el("div", { "class": "seq-row" }, [
        el("span", { text: text("delay") }),
        select([["previous", text("from_previous")], ["trigger", text("from_trigger")]], d.from, function (v) { d.from = v; }, text("delay")),
        input({ type: "number", min: "0", "aria-label": text("delay"), "data-field": f + ".delay.amount" }, d.amount, function (v) { d.amount = v === "" ? null : Number(v); }),
        select(units, d.unit, function (v) { d.unit = v; if (v !== "days") d.at = null; draw(); }, text("delay")),
        d.unit === "days" ? input({ type: "time", "aria-label": text("at") }, d.at, function (v) { d.at = v || null; }) : null
      ]);
      body.push(row, slot(f + ".delay.amount"), slot(f + ".delay.unit"), slot(f + ".delay.at"));
      var conditions = [["", text("condition_none")]];
      data.conditions.forEach(function (c) { ["only_if", "skip_if"].forEach(function (m) { conditions.push([m + ":" + c, text(m + "_" + c)]); }); });
      body.push(el("div", { "class": "seq-row" }, [el("span", { text: text("condition") }),
        select(conditions, conditionValue(step), function (v) {
          step.condition = v ? { mode: v.split(":")[0], fact: v.split(":")[1] } : null;
        }, text("condition"))]), slot(f + ".condition"));
      body.push(blocksEditor(step, i));
      var look = el("button", { type: "button", "class": "button", "data-preview": String(i), text: text("show_preview") });
      look.addEventListener("click", function () { show(i); preview(); });
      body.push(el("div", { "class": "seq-tools" }, [look]));
    }
    var drop = el("button", { type: "button", "class": "button button-critical", text: text("remove_step") });
    drop.addEventListener("click", function () { steps.splice(i, 1); if (shown >= steps.length) shown = 0; draw(); changed(); });
    body.push(el("div", { "class": "seq-tools" }, [drop]));
    return el("li", { "class": "card seq-step" + (i === shown ? " seq-active" : ""), "data-step": String(i) }, body);
  }

  function draw() {
    var list = $("steps");
    list.textContent = "";
    steps.forEach(function (s, i) { list.appendChild(stepEditor(s, i)); });
    drawDates();
    $("add-step").disabled = steps.length >= data.max_steps;
  }
  function drawDates() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-when]"), function (node) {
      var d = dates[Number(node.dataset.when)];
      node.textContent = d ? text("when", { date: d }) : text("when_invalid");
    });
  }
  $("add-step").addEventListener("click", function () {
    steps.push({ greeting: false, delay: { amount: 1, unit: "days", from: "previous", at: "10:00" }, blocks: [{ type: "text", text: "" }], condition: null });
    shown = steps.length - 1;
    draw(); changed();
  });

  // -- live: timeline dates and the preview ---------------------------------------------------------
  var timer;
  function changed() { clearTimeout(timer); timer = setTimeout(function () { timeline(); preview(); }, 300); }
  function timeline() {
    api.call("POST", "/api/sequences/timeline", { steps: steps }).then(function (body) { dates = body.dates; drawDates(); }, function () {});
  }
  // The composer's endpoints name a step's fields "blocks[0].text": here "steps[1].blocks[0].text".
  function ofStep(at, errors) {
    var named = {};
    Object.keys(errors || {}).forEach(function (k) { named[k.indexOf("blocks") === 0 ? "steps[" + at + "]." + k : k] = errors[k]; });
    return named;
  }
  function preview() {
    var box = $("preview");
    var status = $("preview-status");
    var step = steps[shown];
    var at = shown;
    $("preview-step").textContent = step ? "(" + text("step_title", { n: at + 1 }) + ")" : "";
    box.textContent = "";
    status.textContent = "";
    if (!step || step.greeting) { status.textContent = step ? text("greeting") : ""; return; }
    var fields = document.querySelector('[data-blocks="' + at + '"]');
    api.call("POST", "/api/campaigns/preview", { blocks: step.blocks }).then(function (body) {
      if (fields) window.TsunaguBlocks.showErrors(fields, {});
      window.TsunaguFlex.renderMessages(box, window.TsunaguBlocks.localised(body.messages, data.app_url), { side: "bot" });
    }, function (error) {
      var errors = (error.data || {}).errors;
      status.textContent = errors ? text("preview_fix") : error.message;
      if (fields) window.TsunaguBlocks.showErrors(fields, ofStep(at, errors), "steps[" + at + "].blocks");
    });
  }

  // -- saving -----------------------------------------------------------------------------------------
  function showErrors(errors) { window.TsunaguBlocks.showErrors(form, errors, "steps"); }
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var out = $("save-message");
    out.textContent = "";
    var id = form.dataset.id;
    var call = id ? api.call("PUT", "/api/sequences/" + id, payload()) : api.call("POST", "/api/sequences", payload());
    call.then(function (body) {
      showErrors({});
      if (!id) { window.location.href = form.dataset.list + "/" + body.current.id; return; }
      dates = body.dates; drawDates();
      out.textContent = text("saved");
    }, function (error) { showErrors((error.data || {}).errors); out.textContent = error.message; });
  });

  // -- test send (the composer's endpoint, the step in the preview) -----------------------------------
  var chosen = [];
  function drawChosen() {
    var list = $("friend-chosen");
    list.textContent = "";
    chosen.forEach(function (f, i) {
      var remove = el("button", { type: "button", "class": "button", text: text("remove") });
      remove.addEventListener("click", function () { chosen.splice(i, 1); drawChosen(); });
      list.appendChild(el("li", {}, [el("span", { text: f.name }), remove]));
    });
  }
  var friendTimer;
  $("friend-search").addEventListener("input", function (e) {
    clearTimeout(friendTimer);
    var q = e.target.value;
    friendTimer = setTimeout(function () {
      api.call("GET", "/api/campaign-friends?q=" + encodeURIComponent(q)).then(function (body) {
        var found = $("friend-found");
        found.textContent = "";
        if (!body.friends.length) found.appendChild(el("li", { "class": "muted", text: text("friends_none") }));
        body.friends.forEach(function (f) {
          var add = el("button", { type: "button", "class": "button", text: text("choose") });
          add.addEventListener("click", function () {
            if (chosen.length < 5 && !chosen.some(function (c) { return c.id === f.id; })) chosen.push(f);
            drawChosen();
          });
          found.appendChild(el("li", {}, [el("span", { text: f.name }), add]));
        });
      }, function (error) { api.alert(error.message); });
    }, 250);
  });
  $("test-send").addEventListener("click", function () {
    var out = $("test-message");
    var step = steps[shown];
    if (!step || step.greeting) { out.textContent = text("pick_step"); return; }
    out.textContent = text("test_sending");
    api.call("POST", "/api/campaigns/test", { blocks: step.blocks, friend_ids: chosen.map(function (f) { return f.id; }) })
      .then(function (body) { out.textContent = body.message; }, function (error) {
        showErrors(ofStep(shown, (error.data || {}).errors));
        out.textContent = error.message;
      });
  });

  // -- results ----------------------------------------------------------------------------------------------
  function drawResults(r) {
    if (!r || !$("results-table")) return;
    $("results-summary").textContent = text("summary", { entered: r.entered, active: r.active, done: r.done });
    var body = $("results-table").querySelector("tbody");
    body.textContent = "";
    r.steps.forEach(function (s) {
      var skipped = Object.keys(s.skipped).map(function (k) { return k + " " + s.skipped[k]; }).join(", ") || "–";
      var ctr = s.ctr == null ? "–" : (s.ctr * 100).toFixed(1) + "%";
      body.appendChild(el("tr", {}, [s.position, s.reached, s.sent, skipped, s.clicks, ctr, s.orders, s.revenue, s.blocks].map(function (v, i) {
        return el("td", { "class": i === 0 || i === 3 ? "" : "num", text: String(v) });
      })));
    });
    var exits = Object.keys(r.exits).map(function (k) { return text("exit_" + k) + " " + r.exits[k]; });
    $("results-exits").textContent = exits.length ? text("exits", { list: exits.join(", ") }) : "";
  }

  draw();
  drawResults(data.results);
  preview();
  if (!dates.length) timeline();
})();
