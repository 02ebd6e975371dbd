// Chat simulator: the merchant writes as a shopper; the server answers with the very
// message objects the bot would send, drawn by flex.js the way LINE shows them. A call
// that fails says so in the page (api.js's alert), in the merchant's language.
(function () {
  var form = document.getElementById("simulator-form");
  var chat = document.getElementById("chat");
  if (!form || !chat) return;
  var api = window.TsunaguApi;

  function send(text) {
    if (!text) return;
    window.TsunaguFlex.renderMessages(chat, [{ type: "text", text: text }], { side: "user" });
    api.call("POST", "/api/chat/simulate", { text: text, lang: form.elements.lang.value }).then(function (body) {
      api.alert("");
      window.TsunaguFlex.renderMessages(chat, body.messages || [], { side: "bot", onQuickReply: send });
      chat.scrollTop = chat.scrollHeight;
    }, function (error) {
      api.alert(error.message);
    });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = form.elements.text.value.trim();
    form.elements.text.value = "";
    send(text);
  });
})();
