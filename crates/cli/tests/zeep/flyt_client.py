#!/usr/bin/env python3
"""A receiving system hands the messages it got by push back to its dueslag's fejlkø with zeep (SF1460_B
flytbeskedtilfejlkoe), as a receiver built on KOMBIT's WSDL would.

zeep is built from KOMBIT's REFERENCE WSDL (shared/reference/kombit-beskedfordeler/wsdl/Beskedfordeler.wsdl) with the
service address overridden to snitflade's /sts-bf-soap/StsbeskedfordelerImpl. Each --message FILE is a
ModtagBeskedInput body exactly as the receiver got it: its Haendelsesbesked is read into zeep's object for
besked:Haendelsesbesked and sent as flytbeskedtilfejlkoe's input. The raw answer must be valid against KOMBIT's XSDs
and carry StatusKode 20.

Usage: flyt_client.py --services HOST:PORT --data-dir DIR --reference-wsdl FILE --system NAME --message FILE...
"""

import sys
import tempfile
from pathlib import Path

import xmlschema
import zeep
from lxml import etree
from zeep_support import StepRunner, arguments, check, payload_of, raw_envelope, validate

WSDL_TNS = "urn:dk:kombit:vl:beskedfordeler:wsdl:1.0.0"
BF = "urn:oio:sts:beskedfordeler:1.0.0"
KUVERT = "urn:oio:besked:kuvert:1.0"
BINDING = f"{{{WSDL_TNS}}}Beskedfordeler"
PATH = "/sts-bf-soap/StsbeskedfordelerImpl"


class Client(StepRunner):
    def __init__(self, args):
        super().__init__(args, args.system)
        self.url = f"https://{self.host}:{self.port}{PATH}"

    def setup(self):
        wsdl = Path(self.args.reference_wsdl).resolve()
        xsd = wsdl.parent.parent / "xsd"
        wrapper = Path(tempfile.mkdtemp(prefix="flyt-client-")) / "outputs.xsd"
        wrapper.write_text(
            '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">'
            f'<xs:import namespace="{BF}" schemaLocation="{(xsd / "BeskedfordelerOperationer.xsd").as_uri()}"/>'
            "</xs:schema>"
        )
        self.schema = xmlschema.XMLSchema(str(wrapper))
        self.client = zeep.Client(str(wsdl), transport=self.transport)
        self.service = self.client.create_service(BINDING, self.url)
        return f"reference WSDL loaded, service at {self.url}"

    def hand_back(self, path):
        received = etree.parse(str(path)).getroot()
        check(received.tag == "{urn:oio:sts:1.0.0}ModtagBeskedInput", f"{path} holds {received.tag}")
        besked = received.find(f"{{{KUVERT}}}Haendelsesbesked")
        check(besked is not None, f"{path} holds no Haendelsesbesked")
        element = self.client.get_element(f"{{{KUVERT}}}Haendelsesbesked")
        value = element.parse(besked, self.client.wsdl.types)
        route = value.Beskedkuvert.Leveranceinformation.Leveranceruter.Leverancerute[-1]
        dueslag = route.ErLeveretIHenholdTil.UUIDIdentifikator
        mark = self.recorder.mark()
        result = self.service.flytbeskedtilfejlkoe(Haendelsesbesked=value)
        exchange = self.recorder.single_post_since(mark, "flytbeskedtilfejlkoe")
        check(exchange.status == 200, f"HTTP {exchange.status}:\n{exchange}")
        _, body = raw_envelope(exchange)
        payload = payload_of(body)
        check(len(payload) == 1, f"Body holds {[p.tag for p in payload]}")
        validate(self.schema, payload[0], "FlytBeskedTilFejlkoeOutput", "KOMBIT's reference XSDs")
        retur = getattr(result, "StandardRetur", result)
        check(int(retur.StatusKode) == 20, f"StatusKode {retur.StatusKode} ({retur.FejlbeskedTekst!r})")
        return f"BeskedId {value.BeskedId.UUIDIdentifikator} of dueslag {dueslag}: 20"


def main():
    parser = arguments(__doc__)
    parser.add_argument("--reference-wsdl", required=True, help="KOMBIT's Beskedfordeler.wsdl")
    parser.add_argument("--system", required=True, help="the receiving system (its demo certificate)")
    parser.add_argument("--message", required=True, nargs="+", help="ModtagBeskedInput bodies as received")
    args = parser.parse_args()
    client = Client(args)
    steps = [(f"flytbeskedtilfejlkoe with {Path(m).name}", lambda m=m: client.hand_back(m)) for m in args.message]
    return client.run_steps(
        ("0. set-up", client.setup), steps, lambda: f"{len(steps)} messages handed back to the fejlkø"
    )


if __name__ == "__main__":
    sys.exit(main())
