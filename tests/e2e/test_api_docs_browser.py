"""/api/docs: the vendored Swagger UI renders this server's OpenAPI document in Chromium under the pages' strict
Content-Security-Policy (scripts and styles from /static only), with no violation and no request elsewhere."""

from __future__ import annotations

import json

import pytest
from selenium.webdriver.support.ui import WebDriverWait

from server.openapi import DOCUMENT
from tests.support.browser import chromium
from tests.support.server_process import RunningServer

pytestmark = pytest.mark.browser

RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`);
});
"""


def test_api_docs_render_the_openapi_document_under_the_strict_csp(server: RunningServer) -> None:
    status, page = server.request("GET", "/api/docs", token=None)
    assert status == 200 and "swagger-ui-bundle.js" in page and "<script>" not in page  # no inline script
    methods = {"get", "put", "post", "delete", "patch"}
    operations = sum(len(methods & set(item)) for item in json.loads(DOCUMENT.read_text())["paths"].values())
    with chromium() as driver:
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": RECORD_VIOLATIONS})
        driver.get(server.base_url + "/api/docs")
        WebDriverWait(driver, 60).until(
            lambda d: d.execute_script("return document.querySelectorAll('.opblock').length") > 0
        )
        rendered = driver.execute_script("return document.querySelectorAll('.opblock').length")
        title = driver.execute_script("return (document.querySelector('.info .title') || {}).textContent || ''")
        violations = driver.execute_script("return window.__csp")
        fetched = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert rendered >= operations, (rendered, operations)  # every operation (and the webhooks) drawn
    assert "Open Interview API" in title, title
    assert violations == [], violations
    assert all(url.startswith(server.base_url) for url in fetched), fetched  # nothing fetched from elsewhere
