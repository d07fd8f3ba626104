"""An independent WS-Man client for the simulator: pywinrm (Debian's python3-winrm 0.3.0).

Sends a WQL Enumerate of Win32_OperatingSystem and a StdRegProv EnumKey, built as the captured Windows requests
are, and prints what came back as JSON. With --transport ntlm and --encryption always, pywinrm authenticates with
NTLM in an "Authorization: Negotiate" header and seals every message as MS-WSMV 2.2.9.1.1 describes, so a run that
succeeds shows the simulator speaks that protocol, not only the module's own client.

usage: winrm_query.py ENDPOINT USER PASSWORD --transport ntlm|basic [--encryption always|never|auto]
"""
import argparse
import hashlib
import json
import os
import sys
import tempfile
import uuid
import xml.etree.ElementTree as ET

# NTLM hashes the password with MD4, which OpenSSL 3 (Debian 12) keeps in its legacy provider, off by default; ntlm-auth
# 1.4.0 asks hashlib for it. Restart once with a configuration that loads the legacy provider too.
try:
    hashlib.new('md4', b'')
except ValueError:
    if os.environ.get('APPBAN_MD4_RETRY'):
        sys.exit('MD4 is not available even with the OpenSSL legacy provider; NTLM cannot work here.')
    config = os.path.join(tempfile.gettempdir(), 'appban-openssl-legacy.cnf')
    with open(config, 'w') as f:
        f.write('openssl_conf = init\n[init]\nproviders = providers\n[providers]\ndefault = on\nlegacy = on\n'
                '[on]\nactivate = 1\n')
    os.environ.update(OPENSSL_CONF=config, APPBAN_MD4_RETRY='1')
    os.execv(sys.executable, [sys.executable] + sys.argv)

import winrm.protocol  # noqa: E402 (after the MD4 check, which may restart the process)

WMI = "http://schemas.microsoft.com/wbem/wsman/1/wmi/"
HKLM = 2147483650
UNINSTALL = r"SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall"


def envelope(action, resource_uri, body):
    # The header of txwinrm's captured request-enumerate.xml, with the usual namespaces.
    return (
        '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" '
        'xmlns:n="http://schemas.xmlsoap.org/ws/2004/09/enumeration" xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd">'
        '<s:Header><a:To>http://localhost:5985/wsman</a:To>'
        '<w:ResourceURI s:mustUnderstand="true">' + resource_uri + '</w:ResourceURI>'
        '<a:ReplyTo><a:Address s:mustUnderstand="true">http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:Address></a:ReplyTo>'
        '<a:Action s:mustUnderstand="true">' + action + '</a:Action>'
        '<w:MaxEnvelopeSize s:mustUnderstand="true">512000</w:MaxEnvelopeSize>'
        '<a:MessageID>uuid:' + str(uuid.uuid4()).upper() + '</a:MessageID>'
        '<w:OperationTimeout>PT20.000S</w:OperationTimeout></s:Header>'
        '<s:Body>' + body + '</s:Body></s:Envelope>'
    )


def local(element):
    return element.tag.rsplit('}', 1)[-1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('endpoint')
    parser.add_argument('user')
    # The password comes in APPBAN_TEST_PASSWORD, never on the command line, where any process could read it.
    parser.add_argument('--transport', required=True, choices=['ntlm', 'basic'])
    parser.add_argument('--encryption', default='auto', choices=['always', 'never', 'auto'])
    args = parser.parse_args()

    protocol = winrm.protocol.Protocol(args.endpoint, transport=args.transport, username=args.user, password=os.environ['APPBAN_TEST_PASSWORD'],
                                       message_encryption=args.encryption)

    # WQL Enumerate, everything in the first reply (OptimizeEnumeration).
    reply = protocol.send_message(envelope(
        'http://schemas.xmlsoap.org/ws/2004/09/enumeration/Enumerate', WMI + 'root/cimv2/*',
        '<n:Enumerate><w:OptimizeEnumeration/><w:MaxElements>32000</w:MaxElements>'
        '<w:Filter Dialect="http://schemas.microsoft.com/wbem/wsman/1/WQL">SELECT * FROM Win32_OperatingSystem</w:Filter></n:Enumerate>'))
    items = [e for e in ET.fromstring(reply).iter() if local(e) == 'Win32_OperatingSystem']
    os_props = {local(p): p.text for p in items[0]} if items else {}

    # StdRegProv EnumKey of the Uninstall key, 64-bit view.
    uri = WMI + 'root/default/StdRegProv'
    reply = protocol.send_message(envelope(
        uri + '/EnumKey', uri,
        '<p:EnumKey_INPUT xmlns:p="' + uri + '"><p:hDefKey>' + str(HKLM) + '</p:hDefKey>'
        '<p:sSubKeyName>' + UNINSTALL + '</p:sSubKeyName></p:EnumKey_INPUT>'))
    output = [e for e in ET.fromstring(reply).iter() if local(e) == 'EnumKey_OUTPUT'][0]
    names = [e.text for e in output if local(e) == 'sNames']
    return_value = [e.text for e in output if local(e) == 'ReturnValue'][0]

    json.dump({'csName': os_props.get('CSName'), 'caption': os_props.get('Caption'), 'version': os_props.get('Version'),
               'enumKeyReturnValue': int(return_value), 'subkeys': names}, sys.stdout)


if __name__ == '__main__':
    main()
