// The page's language: messages from the server's catalog (web/locale, sent as the "i18n-catalog" JSON block by
// base.html), so scripts and templates translate from one source. Call gettext("English text") with a literal
// string: `pybabel extract` finds the calls. Placeholders are Python-style, %(name)s, as in the templates.

import { readConfig } from "./config.js";

const catalog = readConfig("i18n-catalog");
const messages = catalog.messages || {};

/** The page's language as a BCP 47 tag ("zh-CN", "en"), for Intl and for the server. */
export const locale = catalog.locale || document.documentElement.lang || "en";

// Python's %-formatting, as the server applies it to the same messages: %(name)s, and %% for a percent sign.
// Exported for messages the server already translated (the measures catalogue's wording).
export function interpolate(text, params) {
  if (!params) return text;
  return text.replace(/%\((\w+)\)s|%%/g, (whole, name) => {
    if (whole === "%%") return "%";
    return name in params ? String(params[name]) : whole;
  });
}

export function gettext(message, params) {
  const translated = messages[message];
  return interpolate(typeof translated === "string" && translated ? translated : message, params);
}

// Chinese has one form; English two. Forms come from the catalog in the catalog's order.
export function ngettext(singular, plural, n, params) {
  const forms = messages[singular];
  const all = { n, ...(params || {}) };
  if (Array.isArray(forms) && forms.length) {
    return interpolate(forms.length === 1 ? forms[0] : forms[n === 1 ? 0 : Math.min(1, forms.length - 1)], all);
  }
  return interpolate(n === 1 ? singular : plural, all);
}
