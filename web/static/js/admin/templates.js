// Admin page for question templates: list, create, edit, delete through /api/templates.

import { gettext, ngettext } from "../lib/i18n.js";
import { readConfig } from "../lib/config.js";
import { requestJson } from "../lib/http.js";

const config = readConfig();
const $ = (id) => document.getElementById(id);
let editing = null; // the template being edited, or null for a new one

function say(text, tone = "ok") {
  $("tpl-message").textContent = text;
  $("tpl-message").dataset.tone = tone;
}

async function loadList() {
  const result = await requestJson(config.apiUrl, { token: config.token, csrf: config.csrf });
  const body = $("tpl-list");
  body.replaceChildren();
  if (!result.ok) {
    body.innerHTML = "<tr><td colspan='6'></td></tr>";
    body.querySelector("td").textContent = `Could not load templates: ${result.error}`;
    return;
  }
  for (const template of result.data.templates) {
    const row = document.createElement("tr");
    for (const value of [template.title, template.role || "", template.questions.length, template.version, template.id]) {
      const cell = document.createElement("td");
      cell.textContent = String(value);
      row.append(cell);
    }
    const cell = document.createElement("td");
    const edit = document.createElement("button");
    edit.type = "button";
    edit.className = "button";
    edit.textContent = gettext("Edit");
    edit.addEventListener("click", () => fill(template));
    cell.append(edit);
    row.append(cell);
    body.append(row);
  }
  if (!result.data.templates.length) body.innerHTML = "<tr><td colspan='6' class='muted'>No templates yet.</td></tr>";
}

function addQuestion(question = {}) {
  const node = $("tpl-question").content.firstElementChild.cloneNode(true);
  node.querySelector(".q-text").value = question.text || "";
  node.querySelector(".q-think").value = question.think_s ?? 30;
  node.querySelector(".q-answer").value = question.answer_s ?? 120;
  node.querySelector(".q-retakes").value = question.retakes ?? 1;
  node.querySelector(".q-media").value = question.media_url || "";
  node.querySelector(".q-keywords").value = (question.keywords || []).join(", ");
  node.querySelector(".q-rubric").value = question.rubric || "";
  node.querySelector(".q-remove").addEventListener("click", () => node.remove());
  $("tpl-questions").append(node);
}

function fill(template) {
  editing = template;
  $("form-title").textContent = template ? gettext("Edit “%(title)s”", { title: template.title }) : gettext("New template");
  $("tpl-title").value = template ? template.title : "";
  $("tpl-role").value = template ? template.role || "" : "";
  $("tpl-practice").checked = template ? template.practice !== null : true;
  $("tpl-questions").replaceChildren();
  for (const question of template ? template.questions : [{}]) addQuestion(question);
  $("tpl-rules").value = template
    ? template.rules.map((r) => `${r.measure} ${r.op} ${r.value}${r.percent ? " %" : ""} -> ${r.outcome}`).join("\n")
    : "";
  $("tpl-delete").hidden = !template;
  say("");
}

function collect() {
  const questions = [...document.querySelectorAll(".tpl-question")].map((node) => {
    const media = node.querySelector(".q-media").value.trim();
    const rubric = node.querySelector(".q-rubric").value.trim();
    const question = {
      text: node.querySelector(".q-text").value,
      think_s: Number(node.querySelector(".q-think").value),
      answer_s: Number(node.querySelector(".q-answer").value),
      retakes: Number(node.querySelector(".q-retakes").value),
      keywords: node.querySelector(".q-keywords").value.split(",").map((k) => k.trim()).filter(Boolean),
    };
    if (media) question.media_url = media;
    if (rubric) question.rubric = rubric;
    return question;
  });
  const rules = $("tpl-rules").value.split("\n").map((line) => line.trim()).filter(Boolean).map((line) => {
    const [when, then] = line.split("->").map((part) => (part || "").trim());
    return { when, then };
  });
  const body = { title: $("tpl-title").value, questions, rules };
  const role = $("tpl-role").value.trim();
  if (role) body.role = role;
  if (!$("tpl-practice").checked) body.practice = null;
  else if (editing && editing.practice) body.practice = editing.practice;
  if (editing) body.version = editing.version;
  return body;
}

async function save(event) {
  event.preventDefault();
  const url = editing ? `${config.apiUrl}/${encodeURIComponent(editing.id)}` : config.apiUrl;
  const result = await requestJson(url, { method: editing ? "PUT" : "POST", token: config.token, csrf: config.csrf, body: collect() });
  if (!result.ok) {
    say(gettext("Not saved: %(error)s", { error: result.error }), "error");
    return;
  }
  fill(result.data);
  say(gettext("Saved (version %(version)s, id %(id)s).", { version: result.data.version, id: result.data.id }));
  loadList();
}

async function remove() {
  if (!editing) return;
  const result = await requestJson(`${config.apiUrl}/${encodeURIComponent(editing.id)}`, {
    method: "DELETE",
    token: config.token, csrf: config.csrf,
  });
  if (!result.ok) {
    say(gettext("Not deleted: %(error)s", { error: result.error }), "error");
    return;
  }
  fill(null);
  say(gettext("Deleted."));
  loadList();
}

$("tpl-form").addEventListener("submit", save);
$("tpl-delete").addEventListener("click", remove);
$("tpl-new").addEventListener("click", () => fill(null));
$("tpl-add-question").addEventListener("click", () => addQuestion());
fill(null);
loadList();
