// Reads the page's settings from its <script type="application/json"> block. Keeping data out of inline
// scripts is what lets the server send a strict Content-Security-Policy.

export function readConfig(id = "page-config") {
  const el = document.getElementById(id);
  if (!el) return {};
  try {
    return JSON.parse(el.textContent || "{}");
  } catch (err) {
    console.error("page config is not valid JSON", err);
    return {};
  }
}
