// Campaigns: the list follows each sending campaign's progress; the forecast page shows
// what the server forecasts (recipients after exclusions, how it is sent and why, messages
// counted, this month's quota, cost, requests and duration) and confirms it, now or at a
// time in the shop's zone. A campaign that does not fit the month's quota cannot be
// confirmed: the page says how many it could reach.
(function () {
  var api = window.TsunaguApi;
  var el = api.el;
  var text = api.text;

  function number(n) { return Number(n).toLocaleString(); }

  // -- the list: progress bars of the campaigns being sent ------------------------------------
  var table = document.getElementById("campaign-table");
  if (table) {
    var poll = function () {
      var rows = table.querySelectorAll('tr[data-status="sending"], tr[data-status="planning"]');
      Array.prototype.forEach.call(rows, function (row) {
        api.call("GET", "/api/campaigns/" + row.dataset.campaign + "/progress").then(function (body) {
          var p = body.progress;
          var bar = row.querySelector("[role=progressbar]");
          if (bar) {
            bar.setAttribute("aria-valuenow", String(p.percent));
            bar.firstElementChild.style.width = p.percent + "%";
            row.querySelector("[data-cell=percent]").textContent = Math.round(p.percent) + "%";
          }
          row.dataset.status = p.status;
        }, function (error) { api.alert(error.message); });
      });
      if (rows.length) setTimeout(poll, 3000);
    };
    poll();
  }

  // -- the forecast page --------------------------------------------------------------------------
  var page = document.getElementById("forecast-page");
  if (!page) return;
  var data = JSON.parse(document.getElementById("forecast-data").textContent);
  var figures = document.getElementById("figures");
  var status = document.getElementById("forecast-status");
  var confirmButton = document.getElementById("confirm");
  var message = page.querySelector(".form-message");
  var timeInput = document.getElementById("scheduled-at");
  var seen = null;

  var own = data.app_url + "/";  // the app's own links (images in /media/), read from this page's origin
  var messages = JSON.parse(JSON.stringify(data.messages), function (key, value) {
    return typeof value === "string" && value.indexOf(own) === 0 ? "/" + value.slice(own.length) : value;
  });
  window.TsunaguFlex.renderMessages(document.getElementById("preview"), messages, { side: "bot" });

  function startsAt(iso) {  // the start in the shop's time zone (quiet hours may have moved it)
    try {
      return new Date(iso).toLocaleString(document.documentElement.lang, { timeZone: data.timezone,
        year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });
    } catch (err) { return iso; }
  }

  function stat(label, value, extra) {
    return el("div", { "data-figure": extra || "" }, [el("dt", { text: label }), el("dd", { text: value })]);
  }

  function show(f, confirmation) {
    seen = confirmation;
    figures.textContent = "";
    var excluded = f.excluded.blocked + f.excluded.opted_out + f.excluded.capped;
    figures.appendChild(stat(text("f_recipients"), text("f_people", { n: number(f.recipients) }), "recipients"));
    figures.appendChild(stat(text("f_audience"), text("f_people", { n: number(f.audience) }), "audience"));
    figures.appendChild(stat(text("f_excluded"), text("f_people", { n: number(excluded) }) + " (" +
      ["blocked", "opted_out", "capped"].map(function (k) { return text("f_" + k) + " " + number(f.excluded[k]); }).join(" / ") + ")", "excluded"));
    figures.appendChild(stat(text("f_transport"), text("f_" + f.transport), "transport"));
    figures.appendChild(stat(text("f_messages"), number(f.messages), "messages"));
    figures.appendChild(stat(text("f_quota"), f.quota_limit == null ? (f.quota_used == null ? text("f_quota_unknown") :
      number(f.quota_used) + " / " + text("f_no_limit")) : number(f.quota_used) + " / " + number(f.quota_limit), "quota"));
    figures.appendChild(stat(text("f_room"), f.room == null ? text("f_no_limit") : number(f.room), "room"));
    figures.appendChild(stat(text("f_cost"), text("f_yen", { n: number(f.cost_yen) }), "cost"));
    figures.appendChild(stat(text("f_calls"), number(f.api_calls), "calls"));
    figures.appendChild(stat(text("f_duration"), f.duration_s < 1 ? text("f_under_second") :
      text("f_seconds", { n: number(Math.round(f.duration_s)) }), "duration"));
    figures.appendChild(stat(text("f_starts"), startsAt(f.starts_at), "starts"));
    var notes = document.getElementById("notes");
    notes.textContent = "";
    f.notes.forEach(function (n) { notes.appendChild(el("li", { text: n })); });
    var over = document.getElementById("over-quota");
    over.hidden = f.fits;
    over.textContent = f.fits ? "" : text("over_quota", { room: number(f.could_reach), n: number(f.messages) });
    confirmButton.disabled = !f.fits || f.recipients === 0;
    status.textContent = f.recipients === 0 ? text("nobody") : text("f_plan", { plan: f.plan });
  }

  function load() {
    status.textContent = text("forecast_loading");
    api.call("POST", "/api/campaigns/" + data.id + "/forecast").then(function (body) {
      show(body.forecast, body.confirm);
    }, function (error) {
      status.textContent = error.message;
      confirmButton.disabled = true;
    });
  }

  Array.prototype.forEach.call(page.querySelectorAll("input[name=when]"), function (radio) {
    radio.addEventListener("change", function () { timeInput.disabled = radio.value !== "later" || !radio.checked; });
  });

  confirmButton.addEventListener("click", function () {
    var later = page.querySelector("input[name=when]:checked").value === "later";
    var error = document.getElementById("scheduled-at-error");
    error.textContent = "";
    timeInput.removeAttribute("aria-invalid");
    if (later && !timeInput.value) {
      error.textContent = text("time_needed");
      timeInput.setAttribute("aria-invalid", "true");
      return;
    }
    var body = { confirm: seen };
    if (later) body.scheduled_at = timeInput.value;
    confirmButton.disabled = true;
    message.textContent = text("sending");
    api.call("POST", "/api/campaigns/" + data.id + (later ? "/schedule" : "/send"), body).then(function () {
      message.textContent = text(later ? "scheduled_ok" : "sent_ok");
      window.location.href = page.dataset.list;
    }, function (failure) {
      var answer = failure.data || {};
      if (answer.errors && answer.errors.scheduled_at) {
        error.textContent = answer.errors.scheduled_at;
        timeInput.setAttribute("aria-invalid", "true");
      }
      message.textContent = failure.message;
      if (answer.forecast) show(answer.forecast, { recipients: answer.forecast.recipients,
        messages: answer.forecast.messages, cost_yen: answer.forecast.cost_yen });
      else confirmButton.disabled = false;
    });
  });

  load();
})();
