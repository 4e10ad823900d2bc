#!/usr/bin/env python3
"""A real SOAP client against snitflade's Personalemappe, as the recruitment system `rekruttering` in 0340.

zeep is built from the WSDLs the server serves (UploadDocument_OS_SI, ListDocuments_OS_SI, GetDocument_OS_SI;
snitflade's own design). Steps:

  1. upload a real (small, valid) PDF employment contract for 00000101: "S", filed in KLE 81.03.00, the SHA-256
     answered is the file's;
  2. ListDocuments lists it (and finds it by its folder);
  3. GetDocument with IncludeContent gives back the very bytes (same SHA-256);
  4. the same DocumentId again: "already registered", nothing new; with other content: refused;
  5. a disallowed content type and a PDF declared as text/plain are refused with clear texts;
  6. a document of 20 MB + 1 byte is refused, naming the limit; a body past the upload limit gets HTTP 413 with
     a SOAP Fault naming it;
  7. `ingen-adgang` (no grant) gets HTTP 403.

Every raw answer is validated against the XSD of the served WSDL.

Usage: personalemappe_client.py --services HOST:PORT --data-dir DIR
"""

import hashlib
import sys
import tempfile
import urllib.parse
import uuid
from pathlib import Path

import zeep
from lxml import etree
from zeep_support import (
    StepRunner,
    arguments,
    check,
    direct_session,
    expect_forbidden,
    payload_of,
    raw_envelope,
    schema_of,
    validate,
)

NS = "urn:snitflade:opus:personalemappe:1"
INTERFACES = ["UploadDocument_OS_SI", "ListDocuments_OS_SI", "GetDocument_OS_SI"]
SYSTEM = "rekruttering"
PERNR = "00000101"
LIMIT = 20 * 1024 * 1024


def small_pdf(text):
    """A valid one-page PDF 1.4 showing `text` (cross-reference offsets computed)."""
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for o in offsets:
        out += f"{o:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


class Client(StepRunner):
    def __init__(self, args):
        super().__init__(args, SYSTEM)
        # Uploads of 20 MB take a moment in a debug build.
        self.transport.operation_timeout = 120
        self.transport.load_timeout = 30
        self.workdir = tempfile.mkdtemp(prefix="personalemappe-client-")
        self.validated = 0
        self.services = {}
        self.schemas = {}
        self.pdf = small_pdf("Ansaettelseskontrakt 00000101")
        self.document_id = str(uuid.uuid4())

    def pi_url(self, interface):
        return (
            f"https://{self.host}:{self.port}/XISOAPAdapter/MessageServlet?senderParty=&senderService="
            f"&receiverParty=&receiverService=&interface={interface}"
            f"&interfaceNamespace={urllib.parse.quote(NS, safe='')}"
        )

    def load(self):
        for name in INTERFACES:
            url = f"https://{self.host}:{self.port}/ws/{name}?wsdl"
            response = self.session.get(url, timeout=30)
            check(response.status_code == 200, f"GET {url}: HTTP {response.status_code}")
            self.schemas[name] = schema_of(response.content, self.workdir, name)
            client = zeep.Client(url, transport=self.transport)
            self.services[name] = client.create_service(f"{{{NS}}}{name}Binding", self.pi_url(name))
        return f"{len(INTERFACES)} served WSDLs loaded; XSDs compile"

    def call(self, interface, expect="S", **kwargs):
        """Calls an interface, validates the raw answer against the served XSD, checks StatusType; (result, text)."""
        mark = self.recorder.mark()
        result = getattr(self.services[interface], interface)(**kwargs)
        exchange = self.recorder.single_post_since(mark, interface)
        check(exchange.status == 200, f"HTTP {exchange.status}:\n{str(exchange)[:4000]}")
        _, body = raw_envelope(exchange)
        payload = payload_of(body)
        root = interface.replace("_OS_SI", "Response_MT")
        check(len(payload) == 1 and etree.QName(payload[0]).localname == root, f"Body holds {[p.tag for p in payload]}")
        validate(self.schemas[interface], payload[0], root)
        self.validated += 1
        status, text = result.ReturnStatus.StatusType, result.ReturnStatus.MessageText
        check(status == expect, f"{interface}: StatusType {status!r} ({text!r}), expected {expect!r}")
        return result, text

    def upload(self, expect="S", **fields):
        values = dict(
            PersonnelNumber=PERNR,
            DocumentId=self.document_id,
            DocumentType="ANSAETTELSESKONTRAKT",
            Title="Ansættelseskontrakt",
            FileName="kontrakt.pdf",
            ContentType="application/pdf",
            Content=self.pdf,
        )
        values.update(fields)
        return self.call("UploadDocument_OS_SI", expect=expect, **values)

    def step_upload(self):
        result, text = self.upload()
        d = result.Document
        sha = hashlib.sha256(self.pdf).hexdigest()
        check(d.SHA256 == sha, f"SHA-256 {d.SHA256}, the file's is {sha}")
        check(d.FolderKLE == "81.03.00", f"folder {d.FolderKLE} {d.FolderTitle}")
        check(d.Size == str(len(self.pdf)) and d.PersonnelNumber == PERNR, f"{d}")
        check("registreret i mappen 81.03.00" in text, text)
        return f"{len(self.pdf)} bytes, {text}"

    def step_list(self):
        result, text = self.call("ListDocuments_OS_SI", PersonnelNumber=PERNR)
        ids = [i.DocumentId for i in result.Documents.item]
        check(self.document_id in ids, f"listed {ids}")
        result, _ = self.call("ListDocuments_OS_SI", PersonnelNumber=PERNR, FolderKLE="81.10.00")
        check(result.Documents is None, "nothing in 81.10.00 expected")
        return text

    def step_get(self):
        result, _ = self.call(
            "GetDocument_OS_SI", PersonnelNumber=PERNR, DocumentId=self.document_id, IncludeContent="true"
        )
        content = result.Document.Content
        check(content == self.pdf, f"content differs: {len(content or b'')} bytes back")
        sha = hashlib.sha256(content).hexdigest()
        check(sha == result.Document.SHA256, "SHA-256 of the content read back differs from the one answered")
        return f"same {len(content)} bytes, SHA-256 {sha[:16]}…"

    def step_resend(self):
        _, text = self.upload(Title="Sendt igen")
        check("allerede registreret" in text, text)
        _, refused = self.upload(expect="E", Content=small_pdf("Anden kontrakt"))
        check("andet indhold" in refused, refused)
        result, _ = self.call("ListDocuments_OS_SI", PersonnelNumber=PERNR)
        check(len(result.Documents.item) == 1, f"{len(result.Documents.item)} documents")
        return f"{text} / {refused}"

    def step_types(self):
        _, gif = self.upload(expect="E", DocumentId=str(uuid.uuid4()), ContentType="image/gif")
        check(gif.startswith("ContentType image/gif er ikke tilladt; tilladte typer: application/pdf"), gif)
        _, text = self.upload(expect="E", DocumentId=str(uuid.uuid4()), ContentType="text/plain")
        check(text == "Indholdet er en PDF-fil, men ContentType er angivet som text/plain", text)
        return f"{gif[:60]}… / {text}"

    def step_oversize(self):
        big = self.pdf + b"\0" * (LIMIT + 1 - len(self.pdf))
        _, text = self.upload(expect="E", DocumentId=str(uuid.uuid4()), Content=big)
        check(text == "Dokumentet er for stort: højst 20971520 bytes (20 MB) er tilladt", text)
        # Past the upload's body limit: HTTP 413 and a SOAP Fault saying the limit, before the body is read.
        session = direct_session()
        pki = self.data_dir / "pki"
        session.cert = (str(pki / "clients" / f"{SYSTEM}.pem"), str(pki / "clients" / f"{SYSTEM}-key.pem"))
        session.verify = str(pki / "ca.pem")
        body = b"<x>" + b"A" * (32 * 1024 * 1024) + b"</x>"
        response = session.post(
            f"https://{self.host}:{self.port}/ws/UploadDocument_OS_SI",
            data=body,
            headers={"Content-Type": "text/xml; charset=utf-8"},
            timeout=60,
        )
        check(response.status_code == 413, f"HTTP {response.status_code}")
        fault = etree.fromstring(response.content).find(".//faultstring")
        check(fault is not None and "før base64-kodning" in fault.text, response.text[:500])
        return f"{text} / HTTP 413: {fault.text}"

    def step_forbidden(self):
        url = f"https://{self.host}:{self.port}/ws/UploadDocument_OS_SI?wsdl"
        wsdl = Path(self.workdir) / "UploadDocument_OS_SI.wsdl"
        wsdl.write_bytes(self.session.get(url, timeout=30).content)
        return expect_forbidden(
            self.data_dir,
            "ingen-adgang",
            wsdl,
            f"{{{NS}}}UploadDocument_OS_SIBinding",
            self.pi_url("UploadDocument_OS_SI"),
            lambda service: service.UploadDocument_OS_SI(
                PersonnelNumber=PERNR,
                DocumentId=str(uuid.uuid4()),
                DocumentType="ANSAETTELSESKONTRAKT",
                Title="x",
                FileName="x.pdf",
                ContentType="application/pdf",
                Content=self.pdf,
            ),
        )

    def run(self):
        return self.run_steps(
            ("0. zeep loads the served WSDLs; the XSDs compile", self.load),
            [
                ("1. upload a PDF into the personnel file", self.step_upload),
                ("2. ListDocuments lists it", self.step_list),
                ("3. GetDocument gives back the same bytes", self.step_get),
                ("4. a resend registers nothing; other content under the id is refused", self.step_resend),
                ("5. a disallowed and a mismatching content type are refused", self.step_types),
                ("6. 20 MB + 1 byte is refused naming the limit; an oversize body gets 413", self.step_oversize),
                ("7. ingen-adgang is refused with HTTP 403", self.step_forbidden),
            ],
            lambda: f"{self.validated} responses valid against the served XSDs",
        )


def main():
    return Client(arguments(__doc__).parse_args()).run()


if __name__ == "__main__":
    sys.exit(main())
