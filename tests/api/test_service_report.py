"""The service report PDF (服务报告) on SQLite and PostgreSQL: its text, extracted with pdftotext
(poppler-utils), holds the Chinese customer name, the parts, the charges and the record hash the
customer signed; staff and the job's own technician may fetch it (another technician: 404); the
customer fetches it through the tracking link once the job is completed, and a token names one job
only."""

# ruff: noqa: RUF001 -- the Chinese text is written with Chinese punctuation, as a technician types it.

from __future__ import annotations

import io
import shutil
import subprocess

import pytest

from backend.domain import tracking
from tests.helpers import image_bytes, require, signature_data_url

SECRET = "service-report-test-secret"
CUSTOMER = "上海浦东面包坊 李秀英"
PART = {"sku": "CAP-35UF", "name": "启动电容 35µF", "qty": 2}


@pytest.fixture
def app(make_app):
    return make_app(SECRET_KEY=SECRET, COMPANY_NAME="沪安空调服务", COMPANY_PHONE="021-5555 0000")


@pytest.fixture
def pdftotext(request):
    if shutil.which("pdftotext") is None:
        require(request, "pdftotext", "apt-get install poppler-utils (scripts/lib/setup.sh installs it)")
    return lambda pdf: subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


@pytest.fixture
def job(dispatcher, technician, world, new_work_order):
    """`job(complete=True, sign=True)` → a job for a Chinese customer, a fix and parts logged, a photo."""

    def make(complete: bool = True, sign: bool = True) -> dict:
        customer = dispatcher.post("/api/v1/customers", json={"name": CUSTOMER, "phone": "+86 138 0000 0001"})
        assert customer.status_code == 201, customer.json
        wo = new_work_order(customer_id=customer.json["id"], title="空调不制冷")
        url = f"/api/v1/work-orders/{wo['id']}"
        assert dispatcher.post(f"{url}/assign", json={"technician_id": world.technician_id}).status_code == 200
        for action in ("accept", "arrive"):
            assert technician.post(f"{url}/actions/{action}", json={}).status_code == 200
        fix = {"kind": "fix", "text": "更换启动电容，清洗冷凝器", "minutes": 50}
        assert technician.post(f"{url}/logs", json=fix).status_code == 201
        assert technician.post(f"{url}/logs", json={"kind": "part", "parts": [PART]}).status_code == 201
        note = {"kind": "note", "text": "门禁密码 4711", "minutes": 5}
        assert technician.post(f"{url}/logs", json=note).status_code == 201
        photo = {"file": (io.BytesIO(image_bytes("JPEG", (800, 600))), "unit.jpg")}
        uploaded = technician.post(f"{url}/attachments", data=photo, content_type="multipart/form-data")
        assert uploaded.status_code == 201, uploaded.json
        if complete:
            done = technician.post(
                f"{url}/actions/complete", json={"resolution": "已修复，制冷正常", "first_time_fix": True}
            )
            assert done.status_code == 200, done.json
        if complete and sign:
            body = {"signer_name": "李秀英", "signature": signature_data_url(), "rating": 5}
            signed = technician.post(f"{url}/signoff", json=body)
            assert signed.status_code == 201, signed.json
        return technician.get(url).json

    return make


def _pdf(response) -> bytes:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    return response.data


def test_the_report_holds_the_chinese_customer_the_parts_and_the_signed_hash(dispatcher, job, pdftotext):
    wo = job()
    signed_hash = wo["signoff"]["record_hash"]
    text = pdftotext(_pdf(dispatcher.get(f"/api/v1/work-orders/{wo['id']}/report.pdf")))

    assert "服务报告" in text and wo["number"] in text
    assert CUSTOMER in text
    assert "沪安空调服务" in text and "021-5555 0000" in text
    assert "CAP-35UF" in text and "启动电容 35µF" in text
    assert "更换启动电容，清洗冷凝器" in text and "已修复，制冷正常" in text
    assert "门禁密码" not in text  # notes are the office's, never the customer's
    assert "55 分钟" in text  # all the time logged
    assert signed_hash in text
    assert "签字后记录未被修改" in text
    assert "李秀英" in text


def test_the_report_in_english_on_request(dispatcher, job, pdftotext):
    wo = job()
    response = dispatcher.get(f"/api/v1/work-orders/{wo['id']}/report.pdf?lang=en")
    text = pdftotext(_pdf(response))
    assert response.headers["Content-Language"] == "en"
    assert "Service report" in text and "Parts used" in text and CUSTOMER in text
    assert dispatcher.get(f"/api/v1/work-orders/{wo['id']}/report.pdf?lang=fr").status_code == 422


def test_a_changed_record_shows_both_hashes(dispatcher, job, pdftotext, app):
    from backend.extensions import db
    from backend.models import WorkOrder

    wo = job()
    with app.app_context():
        db.session.get(WorkOrder, wo["id"]).resolution = "changed after signing"
        db.session.commit()
    text = pdftotext(_pdf(dispatcher.get(f"/api/v1/work-orders/{wo['id']}/report.pdf")))
    assert wo["signoff"]["record_hash"] in text
    assert "签字后记录已被修改" in text


def test_only_staff_and_the_jobs_own_technician_get_the_report(
    dispatcher, technician, client_for, world, job, new_work_order
):
    wo = job(sign=False)
    url = f"/api/v1/work-orders/{wo['id']}/report.pdf"
    assert _pdf(technician.get(url))
    assert _pdf(client_for(world.admin_email).get(url))
    other = client_for(world.other_tech_email)
    assert other.get(url).status_code == 404
    assert client_for().get(url).status_code == 401
    assert dispatcher.get("/api/v1/work-orders/999999/report.pdf").status_code == 404


def test_the_customer_gets_it_through_the_tracking_link_once_completed(client_for, job, pdftotext):
    done, open_job = job(), job(complete=False)
    customer = client_for()  # no login: the token is the credential

    text = pdftotext(_pdf(customer.get(f"/api/v1/track/{tracking.token_for(done['id'], SECRET)}/report.pdf")))
    assert done["number"] in text and CUSTOMER in text and done["signoff"]["record_hash"] in text

    # Another job's token names that job only, and that job is not completed yet.
    other = customer.get(f"/api/v1/track/{tracking.token_for(open_job['id'], SECRET)}/report.pdf")
    assert other.status_code == 404
    assert other.json["error"]["code"] == "not_found"
    # A token altered to name the completed job, or signed with another secret: 404.
    forged = tracking.token_for(done["id"], "another server's secret")
    assert customer.get(f"/api/v1/track/{forged}/report.pdf").status_code == 404
    token = tracking.token_for(open_job["id"], SECRET)
    assert customer.get(f"/api/v1/track/{token[:-2]}xx/report.pdf").status_code == 404


def test_the_report_holds_the_charges_and_the_payment(client_for, world, dispatcher, job, pdftotext):
    admin = client_for(world.admin_email)
    prices = {
        "callout_fee": 5000,
        "labour_per_hour": 12000,
        "parts": [{"sku": "CAP-35UF", "name": "启动电容 35µF", "unit_price": 3550}],
    }
    put = admin.http.put("/api/v1/price-list", json=prices, headers={"X-CSRF-Token": admin.csrf})
    assert put.status_code == 200, put.json
    wo = job()
    paid = dispatcher.post(
        f"/api/v1/work-orders/{wo['id']}/payment",
        json={"kind": "paid_on_site", "method": "wechat_pay", "amount": 24100},
    )
    assert paid.status_code == 201, paid.json

    text = pdftotext(_pdf(dispatcher.get(f"/api/v1/work-orders/{wo['id']}/report.pdf")))
    assert "上门费" in text and "¥50.00" in text
    assert "人工费" in text and "60 分钟" in text and "¥120.00" in text  # 55 minutes in started 15-minute blocks
    assert "¥71.00" in text  # two capacitors at ¥35.50
    assert "¥241.00" in text
    assert "现场支付" in text and "微信支付" in text
    assert wo["signoff"]["record_hash"] in text


def test_the_renderer_fetches_nothing_a_job_names(dispatcher, new_work_order, pdftotext):
    """Markup typed into a job is text on the page; the renderer's fetcher serves only the report's own images."""
    from backend.documents.service_report import _in_memory_fetcher

    title = '<img src="file:///etc/passwd"><link rel="stylesheet" href="http://127.0.0.1:9/x.css">'
    wo = new_work_order(title=title)
    text = pdftotext(_pdf(dispatcher.get(f"/api/v1/work-orders/{wo['id']}/report.pdf?lang=en")))
    assert 'src="file:///etc/passwd"' in text.replace("\n", "")
    fetcher = _in_memory_fetcher([(b"png", "image/png")])
    for url in ("file:///etc/passwd", "http://127.0.0.1:9/x.css", "onsite-image:1", "data:image/png;base64,AA=="):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert fetcher.fetch("onsite-image:0").read() == b"png"
