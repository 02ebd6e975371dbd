// Chat simulator: the merchant writes as a shopper; the server answers with the very
// message objects the bot would send, drawn by flex.js the way LINE shows them.
(function () {
  var form = document.getElementById("simulator-form");
  var chat = document.getElementById("chat");
  if (!form || !chat) return;

  function send(text) {
    if (!text) return;
    window.TsunaguFlex.renderMessages(chat, [{ type: "text", text: text }], { side: "user" });
    fetch("/api/chat/simulate", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify({ text: text, lang: form.elements.lang.value })
    }).then(function (r) { return r.json(); }).then(function (body) {
      window.TsunaguFlex.renderMessages(chat, body.messages || [], { side: "bot", onQuickReply: send });
      chat.scrollTop = chat.scrollHeight;
    });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = form.elements.text.value.trim();
    form.elements.text.value = "";
    send(text);
  });
})();
