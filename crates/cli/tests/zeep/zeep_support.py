"""What the zeep clients of crates/cli/tests/zeep.rs share: the step runner over a mutual-TLS session with a demo
certificate, the recorder of raw HTTP exchanges, the SOAP envelope and XSD checks, the common arguments.

The clients import it from their own directory, which Python puts first on sys.path when it runs a script.
"""

import argparse
import json
import sys
import tempfile
import traceback
import urllib.parse
from pathlib import Path

import requests
import xmlschema
import zeep
from lxml import etree
from zeep.transports import Transport

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"
XSD_NS = "http://www.w3.org/2001/XMLSchema"


class StepFailed(Exception):
    pass


# The demo's municipalities' CVR numbers (Sorø 0340, Aarhus 0751), as Adgangsstyring's clients name them.
SOROE_CVR = "29189730"
AARHUS_CVR = "55133018"


def opret_vaerdiliste(name):
    """An SF1460_B OpretInput (a value list `name` holding one employee), the body of a call."""
    vl, sd = "urn:oio:sts:beskedfordeler:vaerdiliste:1.0.0", "urn:oio:sagdok:3.0.0"
    return (
        f'<vl:OpretInput xmlns:vl="{vl}" xmlns:sd="{sd}"><vl:AttributListe><vl:Egenskab>'
        f"<sd:BrugervendtNoegleTekst>{name}</sd:BrugervendtNoegleTekst><vl:Vaerdiliste><vl:Navn>{name}</vl:Navn>"
        "<vl:Vaerdi>urn:oio:kmd:lpe:medarbejder:00000110</vl:Vaerdi></vl:Vaerdiliste><sd:Virkning><sd:AktoerRef>"
        "<sd:UUIDIdentifikator>00000000-0000-0000-0000-000000000002</sd:UUIDIdentifikator></sd:AktoerRef>"
        "<sd:AktoerTypeKode>ItSystem</sd:AktoerTypeKode></sd:Virkning></vl:Egenskab></vl:AttributListe>"
        "<vl:TilstandListe/><vl:RelationListe/></vl:OpretInput>"
    )


def check(condition, message):
    if not condition:
        raise StepFailed(message)


def host_port(value):
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {value!r}")
    return host.strip("[]"), int(port)


def arguments(doc):
    """A parser with the arguments every client takes: --services HOST:PORT and --data-dir DIR."""
    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument("--services", required=True, type=host_port, help="HOST:PORT of the services listener")
    parser.add_argument("--data-dir", required=True, help="the server's demo data dir")
    return parser


class Exchange:
    def __init__(self, response):
        self.method = response.request.method
        self.url = response.request.url
        self.status = response.status_code
        self.content_type = response.headers.get("Content-Type", "")
        self.body = response.content  # the raw bytes as received

    def __str__(self):
        return (
            f"{self.method} {self.url} -> HTTP {self.status} ({self.content_type})\n"
            f"{self.body.decode('utf-8', 'replace')}"
        )


class Recorder:
    """A requests response hook that keeps every HTTP exchange zeep makes, raw."""

    def __init__(self):
        self.exchanges = []

    def hook(self, response, *args, **kwargs):
        self.exchanges.append(Exchange(response))
        return response

    def mark(self):
        return len(self.exchanges)

    def posts_since(self, mark):
        return [e for e in self.exchanges[mark:] if e.method == "POST"]

    def single_post_since(self, mark, what="a call"):
        posts = self.posts_since(mark)
        check(len(posts) == 1, f"{what}: expected exactly one POST, zeep made {len(posts)}")
        return posts[0]


def direct_session():
    """A requests session that ignores the environment: requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override
    `session.verify` (psf/requests#3829), and proxies from the environment would apply too; the clients must
    trust exactly the demo CA and talk to the server directly."""
    session = requests.Session()
    session.trust_env = False
    return session


def mtls_session(data_dir, system, recorder):
    """A direct session with the demo certificate of `system`, trusting the demo CA, recording into `recorder`."""
    session = direct_session()
    pki = Path(data_dir) / "pki"
    session.cert = (str(pki / "clients" / f"{system}.pem"), str(pki / "clients" / f"{system}-key.pem"))
    session.verify = str(pki / "ca.pem")
    session.hooks["response"].append(recorder.hook)
    return session


def expect_forbidden(data_dir, system, wsdl, binding, url, call):
    """Builds zeep from `wsdl` as `system` (a system without the grant), calls `call(service)` and checks that the
    server refused it with exactly one HTTP 403 carrying a SOAP Fault; a one-line description."""
    from zeep.exceptions import Fault, TransportError

    recorder = Recorder()
    session = mtls_session(data_dir, system, recorder)
    client = zeep.Client(str(wsdl), transport=Transport(session=session))
    service = client.create_service(binding, url)
    try:
        call(service)
    except (Fault, TransportError) as e:
        outcome = f"{type(e).__name__}: {getattr(e, 'message', e)}"
    else:
        raise StepFailed(f"{system} was answered")
    posts = recorder.posts_since(0)
    check(len(posts) == 1 and posts[0].status == 403, f"HTTP {[p.status for p in posts]}")
    return f"HTTP 403, {outcome}"


def raw_envelope(exchange):
    """Parse a raw SOAP 1.1 response: (root, Body element), checking the HTTP framing on the way."""
    media_type = exchange.content_type.split(";")[0].strip().lower()
    check(
        media_type == "text/xml",
        f"SOAP 1.1 answers are text/xml, got Content-Type {exchange.content_type!r}",
    )
    try:
        root = etree.fromstring(exchange.body)
    except etree.XMLSyntaxError as e:
        raise StepFailed(f"response body is not well-formed XML ({e}):\n{exchange}")
    check(root.tag == f"{{{SOAP_ENV}}}Envelope", f"root element is {root.tag}, not a SOAP 1.1 Envelope")
    body = root.find(f"{{{SOAP_ENV}}}Body")
    check(body is not None, "the Envelope has no SOAP 1.1 Body")
    return root, body


def payload_of(body):
    """The elements in a SOAP Body."""
    return [c for c in body if isinstance(c.tag, str)]


def validate(schema, element, what, against="the served WSDL's XSD"):
    errors = list(schema.iter_errors(element))
    check(
        not errors,
        f"{what} does not validate against {against}:\n"
        + "\n".join(f"  - {e.reason} at {e.path}" for e in errors[:10])
        + "\n"
        + etree.tostring(element, encoding="unicode")[:4000],
    )


class StepRunner:
    """A client of the services listener as `system` over mutual TLS, running numbered steps: one line each."""

    def __init__(self, args, system):
        self.args = args
        self.data_dir = Path(args.data_dir)
        host, self.port = args.services
        # The server certificate is for localhost and 127.0.0.1; the WSDLs are fetched on localhost.
        self.host = "localhost" if host in ("127.0.0.1", "::1", "localhost") else host
        self.recorder = Recorder()
        self.session = mtls_session(self.data_dir, system, self.recorder)
        self.transport = Transport(session=self.session, timeout=30, operation_timeout=30)
        self.failures = 0

    def admin(self, method, path, body=None, ok=(200, 201)):
        """An admin API call (`--admin HOST:PORT`) with the demo's token; the JSON answer."""
        admin_host, admin_port = self.args.admin
        host = f"[{admin_host}]" if ":" in admin_host else admin_host
        token = (self.data_dir / "admin-token").read_text().strip()
        response = direct_session().request(
            method,
            f"http://{host}:{admin_port}{path}",
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            data=None if body is None else json.dumps(body),
            timeout=30,
        )
        check(response.status_code in ok, f"{method} {path}: HTTP {response.status_code} {response.text}")
        return response.json() if response.text.strip().startswith(("{", "[")) else response.text

    def step(self, title, fn):
        try:
            detail = fn()
        except StepFailed as e:
            self.failures += 1
            print(f"FAIL  {title}\n      {str(e).replace(chr(10), chr(10) + '      ')}", flush=True)
            return False
        except Exception:
            self.failures += 1
            print(f"FAIL  {title}: unexpected exception", flush=True)
            traceback.print_exc(file=sys.stdout)
            sys.stdout.flush()
            return False
        print(f"ok    {title}" + (f": {detail}" if detail else ""), flush=True)
        return True

    def run_steps(self, setup, steps, passed):
        """Runs the step `setup` and, if it succeeds, each of `steps` (title, function); the exit status.
        `passed()` is the summary printed when every step succeeded."""
        print(
            f"zeep {zeep.__version__}, xmlschema {xmlschema.__version__}, requests {requests.__version__}, "
            f"lxml {etree.__version__}, Python {sys.version.split()[0]}; services https://{self.host}:{self.port}",
            flush=True,
        )
        if not self.step(*setup):
            return 1
        for title, fn in steps:
            self.step(title, fn)
        if self.failures:
            print(f"FAILED: {self.failures} step(s) failed", flush=True)
            return 1
        print(f"PASSED: {passed()}", flush=True)
        return 0


def schema_of(wsdl_bytes, workdir, name):
    """The single xsd:schema of a SAP PI WSDL as an xmlschema schema."""
    wsdl = etree.fromstring(wsdl_bytes)
    schemas = wsdl.findall(f"{{{WSDL_NS}}}types/{{{XSD_NS}}}schema")
    check(len(schemas) == 1, f"{name}: expected one xsd:schema, found {len(schemas)}")
    path = Path(workdir) / f"{name}.xsd"
    path.write_bytes(etree.tostring(schemas[0]))
    return xmlschema.XMLSchema(str(path))


def status_of(result):
    """(StatusType, MessageText) of an answer's ReturnStatus, in either of the interfaces' two forms."""
    rs = getattr(result, "ReturnStatus", result)
    if hasattr(rs, "item"):
        items = rs.item or []
        check(len(items) >= 1, "ReturnStatus has no item")
        rs = items[0]
    return rs.StatusType, rs.MessageText


class SapPiRunner(StepRunner):
    """A StepRunner for the SAP PI style services: zeep services by interface name, each raw answer validated
    against its XSDs (`self.schemas[name]`: a list of (label, schema)) and its StatusType checked."""

    def __init__(self, args, system, prefix):
        super().__init__(args, system)
        self.workdir = tempfile.mkdtemp(prefix=prefix)
        self.validated = 0
        self.services = {}
        self.schemas = {}

    def pi_url(self, interface, namespace, kommune=None):
        url = (
            f"https://{self.host}:{self.port}/XISOAPAdapter/MessageServlet?senderParty=&senderService="
            f"&receiverParty=&receiverService=&interface={interface}"
            f"&interfaceNamespace={urllib.parse.quote(namespace, safe='')}"
        )
        return url + (f"&kommune={kommune}" if kommune else "")

    def served_wsdl(self, interface):
        url = f"https://{self.host}:{self.port}/ws/{interface}?wsdl"
        response = self.session.get(url, timeout=30)
        check(response.status_code == 200, f"GET {url}: HTTP {response.status_code}")
        return url, response.content

    def load_served(self, name, namespace, kommune=None, key=None):
        """zeep from the served WSDL of `name`, at its SAP PI URL (with `kommune=` when given), kept as `key`."""
        url, served = self.served_wsdl(name)
        self.schemas[key or name] = [("served", schema_of(served, self.workdir, f"served-{name}"))]
        client = zeep.Client(url, transport=self.transport)
        service = client.create_service(f"{{{namespace}}}{name}Binding", self.pi_url(name, namespace, kommune))
        self.services[key or name] = service
        return service

    def call(self, interface, expect="S", key=None, **kwargs):
        """Calls an interface, validates the raw answer against its XSDs and checks StatusType; the result and
        the MessageText."""
        mark = self.recorder.mark()
        result = getattr(self.services[key or interface], interface)(**kwargs)
        exchange = self.recorder.single_post_since(mark, interface)
        check(exchange.status == 200, f"HTTP {exchange.status}:\n{exchange}")
        _, body = raw_envelope(exchange)
        payload = payload_of(body)
        root = interface.replace("_OS_SI", "Response_MT")
        check(len(payload) == 1 and etree.QName(payload[0]).localname == root, f"Body holds {[p.tag for p in payload]}")
        for name, schema in self.schemas[key or interface]:
            validate(schema, payload[0], root, f"the {name} WSDL's XSD")
        self.validated += 1
        status, text = status_of(result)
        check(status == expect, f"{interface}: StatusType {status!r} ({text!r}), expected {expect!r}")
        return result, text
