/** The status page's stylesheet (GET /status.css): system fonts only, light and dark. */
export const STATUS_PAGE_STYLE = String.raw`:root{color-scheme:light dark;--bg:#fafafa;--fg:#1d1f23;--muted:#666b73;--line:#d9dce1;--card:#fff;--ok:#1f7a3a;--err:#b3261e}
@media (prefers-color-scheme:dark){:root{--bg:#15171a;--fg:#e6e8eb;--muted:#9aa0a8;--line:#30343a;--card:#1d2024;--ok:#5cc47a;--err:#ff8a80}}
*{box-sizing:border-box}
[hidden]{display:none!important}
body{margin:0;font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--bg);color:var(--fg)}
header{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1.5rem;padding:.75rem 1.25rem;border-bottom:1px solid var(--line);background:var(--card)}
h1{font-size:1.2rem;margin:0}
h2{font-size:1rem;margin:1.25rem 0 .5rem}
small{color:var(--muted);font-weight:normal}
main{padding:0 1.25rem 2rem;max-width:1400px;margin:0 auto}
.status{margin:0;color:var(--muted)}
.status.ok{color:var(--ok)}
.status.error{color:var(--err)}
form{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem}
input[type=password]{padding:.3rem .5rem;border:1px solid var(--line);border-radius:4px;background:var(--bg);color:var(--fg);min-width:16rem}
button{padding:.3rem .8rem;border:1px solid var(--line);border-radius:4px;background:var(--bg);color:var(--fg);cursor:pointer}
.check{color:var(--muted)}
.summary{display:flex;flex-wrap:wrap;gap:.5rem 2rem;margin-top:1rem}
.summary div{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:.5rem .8rem}
.summary b{display:block;font-size:1.1rem}
table{border-collapse:collapse;width:100%;background:var(--card);border:1px solid var(--line)}
th,td{padding:.35rem .6rem;border-bottom:1px solid var(--line);text-align:right;white-space:nowrap}
th:first-child,td:first-child,th:last-child,td:last-child{text-align:left}
td.empty{text-align:center;color:var(--muted)}
.bar{display:inline-block;width:6rem;height:.6rem;margin-right:.5rem;border:1px solid var(--line);border-radius:3px;vertical-align:-1px;overflow:hidden}
.bar span{display:block;height:100%;background:var(--ok)}
.bar.full span{background:var(--err)}
.swatch{display:inline-block;width:.7rem;height:.7rem;border-radius:2px;margin-right:.4rem;vertical-align:-1px}
.legend{display:flex;flex-wrap:wrap;gap:.25rem 1rem;margin-bottom:.5rem}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(420px,1fr));gap:1rem}
.chart{margin:0;background:var(--card);border:1px solid var(--line);border-radius:6px;padding:.5rem .75rem}
.chart figcaption{font-weight:600;margin-bottom:.25rem}
.chart svg{width:100%;height:auto;display:block}
.chart .axis{stroke:var(--line);stroke-width:1}
.chart text{fill:var(--muted);font-size:11px}
.chart path{fill:none;stroke-width:2;stroke-linejoin:round}
`;
