import json

import pytest
from regcommon.db import migrate

from catalog.demo.generator import generate_region

pytestmark = pytest.mark.integration


def test_an_admin_imports_a_whole_region_larger_than_ordinary_requests_over_http(
        make_pg_database, app_factory, make_token):
    url = make_pg_database("catalog_bulk")
    migrate("catalog", url)
    app = app_factory(url)
    region = generate_region(scale=1, seed=56)
    body = json.dumps(region, ensure_ascii=False).encode()
    assert len(body) > app.config["MAX_CONTENT_LENGTH"]
    headers = {"Authorization": f"Bearer {make_token('admin')}"}
    try:
        client = app.test_client()
        response = client.post("/v1/admin/import", data=body, headers=headers,
                               content_type="application/json")
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        counts = response.get_json()["counts"]
        assert counts["doctors"]["inserted"] == sum(len(o["doctors"])
                                                    for o in region["organizations"])
        # Ordinary endpoints keep the small limit.
        too_big = client.put("/v1/admin/organizations/o-0001/settings", data=body,
                             headers=headers, content_type="application/json")
        assert too_big.status_code == 413
    finally:
        app.extensions["engine"].dispose()
