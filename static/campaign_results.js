// A campaign's results page: while the campaign is still sending, the figures are read
// again from the JSON API every 20 seconds and the page reloads when they changed, so a
// merchant watching a send sees it progress without pressing anything.
(function () {
  var api = window.TsunaguApi;
  var source = document.getElementById("results-data");
  if (!api || !source) return;
  var data = JSON.parse(source.textContent);
  var live = ["planning", "sending", "paused"].indexOf(data.status) !== -1;
  var status = document.getElementById("refresh-status");
  if (!live) return;

  // The answer shows what the page shows (the same figures, the same status).
  function same(fresh) {
    return JSON.stringify([fresh.status, fresh.variants, fresh.total, fresh.holdout]) ===
      JSON.stringify([data.status, data.results.variants, data.results.total, data.results.holdout]);
  }

  function poll() {
    status.textContent = api.text("refreshing");
    api.call("GET", "/api/campaigns/" + data.campaign_id + "/results").then(function (fresh) {
      if (!same(fresh)) { window.location.reload(); return; }
      status.textContent = api.text("refreshed");
      window.setTimeout(poll, 20000);
    }, function (error) {
      status.textContent = error.message;
      window.setTimeout(poll, 60000);
    });
  }
  window.setTimeout(poll, 20000);
})();
