// Flows editor: tabs per flow, the on/off switch (saved at once), steps and options,
// texts with variable chips, a live LINE preview built by the server with the flow's own
// code (drawn by flex.js), save with errors next to their fields, and a test send.
// Every call goes through TsunaguApi.call; what it says comes from the page's texts.
(function () {
  var forms = document.querySelectorAll("form.fe-flow");
  if (!forms.length) return;
  var T = window.TsunaguApi.text;
  var all = function (root, sel) { return Array.prototype.slice.call(root.querySelectorAll(sel)); };

  // The answer's body whether the call succeeded or not (a refusal carries errors by
  // field; a network failure only a message).
  function api(method, url, body) {
    return window.TsunaguApi.call(method, url, body).catch(function (error) {
      var answer = error.data || {};
      answer.ok = false;
      answer.message = error.message;
      return answer;
    });
  }

  // -- tabs --------------------------------------------------------------------------------
  all(document, ".fe-tab").forEach(function (tab) {
    tab.addEventListener("click", function () {
      all(document, ".fe-tab").forEach(function (t) { t.setAttribute("aria-selected", String(t === tab)); });
      forms.forEach(function (f) { f.hidden = f.dataset.flow !== tab.dataset.tab; });
      var form = document.getElementById("fe-" + tab.dataset.tab);
      if (!form.dataset.previewed) preview(form);
    });
  });

  // -- reading the form --------------------------------------------------------------------
  function num(value) {
    var v = String(value == null ? "" : value).trim();
    if (v === "") return null;
    var n = Number(v.replace(/,/g, ""));
    return isNaN(n) ? v : n;
  }

  function steps(form) {
    var count = Number(form.querySelector("[data-step-count]").value);
    return all(form, "[data-step]").slice(0, count).map(function (row) {
      var delay = num(row.querySelector("[data-delay]").value);
      var unit = Number(row.querySelector("[data-unit]").value);
      var type = row.querySelector("[data-discount-type]").value;
      return {
        delay_min: typeof delay === "number" ? Math.round(delay * unit) : delay,
        discount: type === "none" ? null : { type: type, value: num(row.querySelector("[data-discount-value]").value),
                                            expires_days: num(row.querySelector("[data-discount-expires]").value) }
      };
    });
  }

  function cycles(form) {
    var result = { products: JSON.parse(form.dataset.products || "{}") };
    all(form, "[data-cycles]").forEach(function (box) {
      var kind = box.dataset.cycles, rows = [];
      all(box, "[data-cycle-row]").forEach(function (row) {
        var name = row.querySelector("[data-cycle-name]"), days = row.querySelector("[data-cycle-days]");
        if (!name.value.trim() && !days.value.trim()) return;
        var i = rows.length;  // indices as the server will name them
        name.dataset.field = "cycles." + kind + "." + i + ".name";
        days.dataset.field = "cycles." + kind + "." + i + ".days";
        row.querySelector("[data-cycle-error]").dataset.errorFor = "cycles." + kind + "." + i;
        rows.push({ name: name.value.trim(), days: num(days.value) });
      });
      result[kind] = rows;
    });
    return result;
  }

  function settings(form) {
    var s = { enabled: form.querySelector("[data-switch]").checked };
    if (form.querySelector("[data-step-count]")) s.steps = steps(form);
    all(form, "[data-setting]").forEach(function (input) {
      s[input.dataset.setting] = input.dataset.setting === "review_url" ? input.value.trim() : num(input.value);
    });
    if (form.querySelector("[data-status]")) {
      s.statuses = {};
      all(form, "[data-status]").forEach(function (box) { s.statuses[box.dataset.status] = box.checked; });
    }
    if (form.querySelector("[data-cycles]")) s.cycles = cycles(form);
    return s;
  }

  function templates(form) {
    var result = {};
    all(form, "textarea[data-template]").forEach(function (area) {
      (result[area.dataset.template] = result[area.dataset.template] || {})[area.dataset.lang] = area.value;
    });
    return result;
  }

  // -- errors next to their fields -------------------------------------------------------------
  function showErrors(form, errors) {
    all(form, "[data-error-for]").forEach(function (p) { p.textContent = ""; });
    all(form, "[aria-invalid]").forEach(function (el) { el.removeAttribute("aria-invalid"); });
    var first = null;
    Object.keys(errors || {}).forEach(function (field) {
      var input = form.querySelector('[data-field="' + field + '"]');
      var slot = form.querySelector('[data-error-for="' + field + '"]') ||
        form.querySelector('[data-error-for="' + field.replace(/\.(name|days)$/, "") + '"]');
      if (slot) slot.textContent = (slot.textContent ? slot.textContent + " " : "") + errors[field];
      if (input) {
        input.setAttribute("aria-invalid", "true");
        var step = input.closest("[data-step]");
        if (step) step.hidden = false;
        first = first || input;
      }
    });
    return first;
  }

  function say(box, text, ok) {
    box.textContent = text || "";
    box.classList.toggle("is-ok", !!ok);
  }

  // -- preview ---------------------------------------------------------------------------
  function current(form) {
    var area = form.querySelector("textarea[data-template].is-current") || form.querySelector("textarea[data-template]");
    return area;
  }

  function preview(form) {
    var area = current(form);
    var stepSelect = form.querySelector("[data-preview-step]");
    var body = { template_key: area.dataset.template, lang: area.dataset.lang, text: area.value,
                 step: stepSelect ? Number(stepSelect.value) : 0, settings: settings(form) };
    var heading = area.closest(".fe-template").querySelector("h3");
    form.querySelector("[data-preview-label]").textContent =
      (heading ? heading.textContent + " · " : "") + T("lang_" + area.dataset.lang);
    form.dataset.previewed = "1";
    var seq = (form._seq = (form._seq || 0) + 1);
    api("POST", "/api/flows/" + form.dataset.flow + "/preview", body).then(function (b) {
      if (seq !== form._seq) return;  // a newer keystroke already asked again
      var chat = form.querySelector("[data-preview]");
      chat.setAttribute("lang", area.dataset.lang);  // the message's language, not the page's
      var errors = b.errors || {};
      form.querySelector("[data-preview-error]").textContent = errors.text || (b.ok ? "" : b.message);
      var slot = form.querySelector('[data-error-for="' + area.dataset.field + '"]');
      if (slot) slot.textContent = errors.text || "";
      if (errors.text) area.setAttribute("aria-invalid", "true"); else area.removeAttribute("aria-invalid");
      if (b.messages && b.messages.length) {
        chat.textContent = "";
        window.TsunaguFlex.renderMessages(chat, b.messages, { side: "bot" });
      }
    });
  }

  function later(form) {
    clearTimeout(form._timer);
    form._timer = setTimeout(function () { preview(form); }, 300);
  }

  function insertAtCursor(area, text) {
    var start = area.selectionStart == null ? area.value.length : area.selectionStart;
    var end = area.selectionEnd == null ? start : area.selectionEnd;
    area.value = area.value.slice(0, start) + text + area.value.slice(end);
    area.focus();
    area.setSelectionRange(start + text.length, start + text.length);
  }

  function addCycleRow(button) {
    var kind = button.closest("[data-cycles]").dataset.cycles;
    var row = document.createElement("div");
    row.className = "fe-cycle";
    row.setAttribute("data-cycle-row", "");
    row.innerHTML = '<input data-cycle-name><input inputmode="numeric" data-cycle-days>' +
      '<button type="button" class="icon-button" data-cycle-remove></button><p class="field-error" data-cycle-error></p>';
    row.querySelector("[data-cycle-name]").setAttribute("aria-label", T("cycle." + kind));
    row.querySelector("[data-cycle-days]").setAttribute("aria-label", T("cycle.days"));
    row.querySelector("[data-cycle-remove]").textContent = T("cycle.remove");
    button.parentNode.insertBefore(row, button);
    row.querySelector("input").focus();
  }

  // -- wiring ------------------------------------------------------------------------------
  forms.forEach(function (form) {
    var flow = form.dataset.flow;

    form.querySelector("[data-switch]").addEventListener("change", function (e) {
      var box = e.target, status = form.querySelector("[data-switch-status]");
      api("PUT", "/api/flows/" + flow + "/enabled", { enabled: box.checked }).then(function (b) {
        if (b.ok) {
          status.textContent = b.enabled ? T("switched_on") : T("switched_off");
          var badge = document.querySelector('[data-state-of="' + flow + '"]');
          if (badge) {
            badge.textContent = b.enabled ? T("state_on") : T("state_off");
            badge.className = "badge " + (b.enabled ? "badge-success" : "badge-info");
          }
        } else {
          box.checked = !box.checked;
          status.textContent = (b.errors && b.errors.enabled) || b.message || "";
        }
      });
    });

    form.addEventListener("focusin", function (e) {
      if (!e.target.matches("textarea[data-template]") || e.target.classList.contains("is-current")) return;
      all(form, "textarea.is-current").forEach(function (a) { a.classList.remove("is-current"); });
      e.target.classList.add("is-current");
      preview(form);
    });

    form.addEventListener("input", function (e) {
      if (e.target.matches("textarea[data-template]")) {
        all(form, "textarea.is-current").forEach(function (a) { a.classList.remove("is-current"); });
        e.target.classList.add("is-current");
      }
      later(form);
    });

    form.addEventListener("change", function (e) {
      var t = e.target;
      if (t.matches("[data-step-count]")) {
        all(form, "[data-step]").forEach(function (row, i) { row.hidden = i >= Number(t.value); });
      }
      if (t.matches("[data-discount-type]")) {
        all(t.closest("[data-step]"), "[data-discount-only]").forEach(function (el) { el.hidden = t.value === "none"; });
      }
      if (!t.matches("[data-switch]")) later(form);
    });

    form.addEventListener("click", function (e) {
      var chip = e.target.closest("[data-var]");
      if (chip) {
        var box = chip.closest(".fe-template");
        var area = box.querySelector("textarea.is-current") || box.querySelector("textarea");
        all(form, "textarea.is-current").forEach(function (a) { a.classList.remove("is-current"); });
        area.classList.add("is-current");
        insertAtCursor(area, "{" + chip.dataset.var + "}");
        later(form);
        return;
      }
      if (e.target.closest("[data-reset]")) {
        var field = e.target.closest(".field").querySelector("textarea");
        field.value = field.dataset.default;
        field.focus();
        later(form);
      } else if (e.target.closest("[data-cycle-add]")) {
        addCycleRow(e.target.closest("[data-cycle-add]"));
      } else if (e.target.closest("[data-cycle-remove]")) {
        e.target.closest("[data-cycle-row]").remove();
      } else if (e.target.closest("[data-test-send]")) {
        testSend(form, e.target.closest("[data-test-send]"));
      }
    });

    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var button = form.querySelector("[type=submit]"), box = form.querySelector("[data-form-message]");
      button.disabled = true;
      api("PUT", "/api/flows/" + flow, { settings: settings(form), templates: templates(form) }).then(function (b) {
        var first = showErrors(form, b.errors);
        var fields = b.errors && Object.keys(b.errors).length;
        say(box, b.ok ? T("saved") : (fields ? T("invalid") : b.message), b.ok);
        if (first) first.focus();
      }).then(function () { button.disabled = false; });
    });
  });

  function testSend(form, button) {
    var area = current(form), box = form.querySelector("[data-test-message]");
    var stepSelect = form.querySelector("[data-preview-step]");
    button.disabled = true;
    api("POST", "/api/flows/" + form.dataset.flow + "/test", {
      friend_id: Number(form.querySelector("[data-friend]").value), template_key: area.dataset.template,
      lang: area.dataset.lang, text: area.value, step: stepSelect ? Number(stepSelect.value) : 0,
      settings: settings(form)
    }).then(function (b) {
      var errors = b.errors || {};
      var slot = form.querySelector('[data-error-for="friend_id"]');
      slot.textContent = errors.friend_id || "";
      if (b.ok) say(box, b.dry_run ? T("test_captured") : T("test_sent"), true);
      else say(box, T("test_failed") + (errors.text || errors.friend_id || b.message));
    }).then(function () { button.disabled = false; });
  }

  var first = Array.prototype.find.call(forms, function (f) { return !f.hidden; });
  if (first) preview(first);
})();
