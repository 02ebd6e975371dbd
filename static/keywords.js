// Keyword rules page: show the fields of the chosen answer, edit a rule in the form,
// start a rule from a search that found nothing, follow a running catalog sync.
(function () {
  var form = document.getElementById("rule-form");
  if (!form) return;

  function showAnswer() {
    var chosen = form.querySelector("input[name=answer]:checked").value;
    Array.prototype.forEach.call(form.querySelectorAll("[data-answer]"), function (el) {
      el.hidden = el.dataset.answer !== chosen;
    });
  }
  form.addEventListener("change", function (e) { if (e.target.name === "answer") showAnswer(); });
  form.addEventListener("reset", function () {
    form.dataset.api = "/api/keyword-rules"; form.dataset.method = "POST";
    setTimeout(showAnswer, 0);
  });

  document.addEventListener("click", function (e) {
    var edit = e.target.closest("[data-edit-rule]");
    var fresh = e.target.closest("[data-new-rule]");
    if (!edit && !fresh) return;
    form.reset();
    if (edit) {
      var rule = JSON.parse(edit.dataset.editRule);
      form.dataset.api = "/api/keyword-rules/" + rule.id; form.dataset.method = "PUT";
      form.elements.keywords.value = rule.keywords.join(", ");
      form.elements.match.value = rule.match;
      form.querySelector("input[name=answer][value=" + rule.answer + "]").checked = true;
      form.elements.text.value = rule.text || "";
      form.elements.product_ids.value = (rule.product_ids || []).join(", ");
      form.elements.collection_handle.value = rule.collection_handle || "";
      form.elements.collection_title.value = rule.collection_title || "";
      form.elements.enabled.checked = rule.enabled;
    } else {
      form.elements.keywords.value = fresh.dataset.newRule;
    }
    setTimeout(function () { showAnswer(); form.elements.keywords.focus(); }, 0);
    form.scrollIntoView({ behavior: "smooth", block: "start" });
  });

  var status = document.getElementById("sync-status");
  if (status && ["pending", "running", "importing"].indexOf(status.dataset.status) >= 0) {
    setTimeout(function () { window.location.reload(); }, 3000);
  }
  showAnswer();
})();
