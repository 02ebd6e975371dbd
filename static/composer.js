// The campaign composer: up to five message blocks edited with the shared block editor
// (static/blocks.js: text, image, product cards, coupon, button) with a live LINE preview
// the server compiles (POST /api/campaigns/preview, the same code that builds what is sent),
// a test send to chosen friends, and saving the draft. The server checks everything: its
// reasons land next to the fields they name ("blocks[1].image").
(function () {
  var api = window.TsunaguApi;
  var el = api.el;
  var text = api.text;
  var form = document.getElementById("composer");
  if (!form) return;
  var data = JSON.parse(document.getElementById("composer-data").textContent);
  var campaign = data.campaign;
  var blocks = campaign ? campaign.blocks.slice() : [{ type: "text", text: "" }];
  var box = document.getElementById("blocks");
  var preview = document.getElementById("preview");
  var previewStatus = document.getElementById("preview-status");
  window.TsunaguBlocks.editor(box, blocks, {
    name: "blocks", limits: data.limits, titles: data.product_titles || {}, onChange: changed
  });

  // -- errors and preview -----------------------------------------------------------------------------
  function showErrors(errors) { window.TsunaguBlocks.showErrors(form, errors, "blocks"); }

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
      window.TsunaguFlex.renderMessages(preview, window.TsunaguBlocks.localised(body.messages, data.app_url), { side: "bot" });
      previewStatus.textContent = "";
    }, function (error) {
      showErrors((error.data || {}).errors);
      previewStatus.textContent = (error.data || {}).errors ? text("preview_fix") : error.message;
    });
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

  refresh();
})();
