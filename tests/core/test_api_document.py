"""The API document a clinic's developer reads first, one per app."""


def test_openapi_document_and_docs(client):
    spec = client.get("/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert "/v1/patients/{patient_id}/treatments" in spec["paths"]
    assert "clinicKey" in spec["components"]["securitySchemes"]
    assert client.get("/docs").status_code == 200


def test_each_app_keeps_its_own_api_document(app, client, tmp_path):
    """A second app that fails at start-up (a broken protocol file) leaves the first one's docs intact."""
    import pytest

    from companion import create_app
    from companion.protocols.validation import ProtocolError

    (tmp_path / "broken.toml").write_text("key = 'broken'\n")
    with pytest.raises(ProtocolError):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SCHEDULES_DIR": str(tmp_path)})
    assert "/v1/patients" in client.get("/openapi.json").get_json()["paths"]
