/** Placeholder in the page replaced by `required` or `none`: whether the data calls need a token. */
export const AUTH_PLACEHOLDER = '__AUTH_MODE__';

/** The status page (GET /): markup only; data comes from /v1/* via status.js. No external resources. */
export const STATUS_PAGE_HTML = String.raw`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Token Ninja · status</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/status.css">
<script src="/status.js" defer></script>
</head>
<body data-auth="__AUTH_MODE__">
<header>
  <h1>Token Ninja</h1>
  <p id="status" class="status" role="status">Loading…</p>
  <form id="token-form" hidden>
    <label for="token">Admin token</label>
    <input id="token" name="token" type="password" autocomplete="off" spellcheck="false" required>
    <label class="check"><input id="remember" type="checkbox"> remember on this browser</label>
    <button type="submit">Connect</button>
  </form>
  <button id="forget" type="button" hidden>Forget token</button>
</header>
<main>
  <section id="summary" class="summary" aria-label="Pool"></section>
  <section>
    <h2>Allocations</h2>
    <table id="allocations">
      <thead><tr>
        <th scope="col">Agent</th><th scope="col">Allocation <small data-unit="/tick">tokens/tick</small></th>
        <th scope="col">Rate <small data-unit="/min">tokens/min</small></th><th scope="col">Score</th><th scope="col">Priority weight</th>
        <th scope="col">Forecast <small data-unit="/tick">tokens/tick</small></th><th scope="col">Bound by</th>
      </tr></thead>
      <tbody></tbody>
    </table>
  </section>
  <section>
    <h2>Teams</h2>
    <table id="teams">
      <thead><tr>
        <th scope="col">Team</th><th scope="col">Agents</th><th scope="col">Configured</th><th scope="col">Strict</th>
        <th scope="col">Part <small data-unit="/tick">tokens/tick</small></th><th scope="col">Allocation <small data-unit="/tick">tokens/tick</small></th>
        <th scope="col">Demand <small data-unit="/tick">tokens/tick</small></th>
        <th scope="col">Spent today <small>$</small></th><th scope="col">This month <small>$</small></th>
      </tr></thead>
      <tbody></tbody>
    </table>
  </section>
  <section>
    <h2>Caps</h2>
    <table id="caps">
      <thead><tr>
        <th scope="col">Scope</th><th scope="col">Period</th><th scope="col">Used / limit <small data-unit="">tokens</small></th>
        <th scope="col">Share used</th><th scope="col">Action</th><th scope="col">Resets at</th>
      </tr></thead>
      <tbody></tbody>
    </table>
  </section>
  <section>
    <h2>Over time</h2>
    <div id="legend" class="legend"></div>
    <div class="charts">
      <figure class="chart" id="chart-allocation"><figcaption>Allocation per agent <small data-unit="/tick">tokens/tick</small></figcaption></figure>
      <figure class="chart" id="chart-usage"><figcaption>Usage per agent <small data-unit="/tick">tokens/tick</small></figcaption></figure>
      <figure class="chart" id="chart-productivity"><figcaption>Productivity per agent <small>score</small></figcaption></figure>
      <figure class="chart" id="chart-burst"><figcaption>Burst buffer <small data-unit="">tokens</small></figcaption></figure>
      <figure class="chart" id="chart-throttled"><figcaption>Throttled requests <small>per tick</small></figcaption></figure>
    </div>
  </section>
</main>
</body>
</html>
`;
