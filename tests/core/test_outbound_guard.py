"""Which webhook URLs are refused before anything is sent (SSRF), with the resolver stood in for."""

import socket

import pytest

from rapport.core.outbound import OutboundFailed, OutboundRefused, post_json, validate_url

NOT_PUBLIC = [
    "10.0.0.1",
    "10.255.255.254",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.10",
    "127.0.0.1",
    "127.5.5.5",
    "169.254.169.254",  # cloud metadata
    "100.64.0.1",  # CGNAT
    "100.127.255.254",
    "0.0.0.0",  # noqa: S104 (refused, not bound)
    "224.0.0.1",  # multicast
    "240.0.0.1",  # reserved
    "255.255.255.255",
    "::1",
    "::",
    "fc00::1",
    "fd12:3456::1",
    "fe80::1",
    "ff02::1",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "2002:7f00:1::1",  # 6to4 around 127.0.0.1
    "2002:a00:1::1",  # 6to4 around 10.0.0.1
    "64:ff9b::a00:1",  # NAT64 around 10.0.0.1
]


@pytest.fixture
def resolver(monkeypatch):
    """Host name → addresses; records every question; other names do not exist."""

    class Resolver:
        def __init__(self):
            self.hosts, self.asked = {}, []

        def __call__(self, host, port, *args, flags=0, **kwargs):
            self.asked.append(host)
            answer = self.hosts.get(host)
            if answer is None and flags & socket.AI_NUMERICHOST:
                answer = [host]
            if answer is None:
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
            if isinstance(answer, socket.gaierror):
                raise answer
            return [
                (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                 (a, port, 0, 0) if ":" in a else (a, port))
                for a in answer
            ]  # fmt: skip

    fake = Resolver()
    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return fake


def refusal(url):
    with pytest.raises(OutboundRefused) as caught:
        validate_url(url)
    return caught.value.reason_code


@pytest.mark.parametrize("address", NOT_PUBLIC)
def test_a_host_resolving_to_a_non_public_address_is_refused(resolver, address):
    resolver.hosts["internal.example"] = [address]

    with pytest.raises(OutboundRefused) as caught:
        validate_url("https://internal.example/hook")

    assert caught.value.reason_code == "private_address"
    assert caught.value.message.startswith(f"internal.example is {address}, a private")


@pytest.mark.parametrize("address", NOT_PUBLIC)
def test_a_non_public_literal_address_is_refused(resolver, address):
    host = f"[{address}]" if ":" in address else address

    assert refusal(f"https://{host}/hook") == "private_address"


def test_localhost_through_the_system_resolver_is_refused():
    with pytest.raises(OutboundRefused) as caught:
        validate_url("https://localhost/hook")

    assert caught.value.reason_code == "private_address"


@pytest.mark.parametrize(
    ("host", "means"),
    [
        ("2130706433", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("0x7f.0.0.1", "127.0.0.1"),
        ("0x7F.1", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("017700000001", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("127.0.0.1.", "127.0.0.1"),
        ("10.1", "10.0.0.1"),
        ("167772161", "10.0.0.1"),
        ("0xa9fea9fe", "169.254.169.254"),
        ("0", "0.0.0.0"),  # noqa: S104
    ],
)
def test_odd_spellings_of_non_public_addresses_are_refused(resolver, host, means):
    with pytest.raises(OutboundRefused) as caught:
        validate_url(f"https://{host}/hook")

    assert caught.value.reason_code == "private_address"
    assert caught.value.message.startswith(f"{host.lower()} is {means}, a private")
    assert resolver.asked == []


def test_an_odd_spelling_of_a_public_address_is_refused_with_the_plain_form(resolver):
    with pytest.raises(OutboundRefused) as caught:
        validate_url("https://134744072/hook")

    assert caught.value.reason_code == "odd_address"
    assert caught.value.message == "Write the address 134744072 as 8.8.8.8."


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://hooks.example.com/hook", "not_https"),
        ("HTTP://hooks.example.com/hook", "not_https"),
        ("ftp://hooks.example.com/hook", "not_https"),
        ("hooks.example.com/hook", "not_https"),
        ("https://user:pw@hooks.example.com/hook", "credentials"),
        ("https://user@hooks.example.com/hook", "credentials"),
        ("https://hooks.example.com@127.0.0.1/hook", "credentials"),
        ("https:///hook", "no_host"),
        ("https://", "no_host"),
        ("https://hooks.example.com:8443/hook", "port"),
        ("https://hooks.example.com:80/hook", "port"),
        ("https://hooks.example.com:99999/hook", "malformed"),
        ("https://hooks.example.com:x/hook", "malformed"),
        ("https://[::1/hook", "malformed"),
        ("https://hooks.example.com/ho ok", "malformed"),
        ("https://hooks.example.com/hook\r\nX-Injected: 1", "malformed"),
        ("https://1.2.3.4.5/hook", "malformed"),
        ("https://missing.example/hook", "unresolvable"),
    ],
)
def test_bad_urls_are_refused_with_a_reason(resolver, url, reason):
    resolver.hosts["hooks.example.com"] = ["93.184.215.14"]

    assert refusal(url) == reason


def test_the_messages_say_what_to_fix(resolver, settings):
    settings.RAPPORT_WEBHOOK_PORTS = [443, 8443]
    cases = {
        "http://hooks.example.com/": "The webhook URL must start with https://.",
        "https://u:p@hooks.example.com/": (
            "Remove the user name and password from the webhook URL: requests are signed."
        ),
        "https://hooks.example.com:444/": "Webhooks may use port 443, 8443 only, not 444.",
        "https://missing.example/": (
            "The host missing.example does not exist (DNS): check the webhook URL."
        ),
    }
    for url, message in cases.items():
        with pytest.raises(OutboundRefused) as caught:
            validate_url(url)
        assert caught.value.message == message


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.example.com/hook?token=1",
        "https://HOOKS.Example.com/hook",
        "https://8.8.8.8/hook",
        "https://[2606:4700:4700::1111]/hook",
        "https://hooks.example.com:443/",
    ],
)
def test_public_https_urls_are_accepted(resolver, url):
    resolver.hosts["hooks.example.com"] = [
        "93.184.215.14",
        "2606:2800:21f:cb07:6820:80da:af6b:8b2c",
    ]

    assert validate_url(url) == url


def test_an_allowed_extra_port(resolver, settings):
    settings.RAPPORT_WEBHOOK_PORTS = [443, 8443]
    resolver.hosts["hooks.example.com"] = ["93.184.215.14"]

    assert validate_url("https://hooks.example.com:8443/x") == "https://hooks.example.com:8443/x"


def test_an_international_host_name_is_resolved_in_its_ascii_form(resolver):
    resolver.hosts["xn--bcher-kva.example"] = ["93.184.215.14"]

    assert validate_url("https://bücher.example/hook") == "https://bücher.example/hook"
    assert resolver.asked == ["xn--bcher-kva.example"]


def test_development_allows_loopback_and_private_networks_only(resolver, settings):
    settings.RAPPORT_WEBHOOK_ALLOW_PRIVATE = True
    allowed = ["127.0.0.1", "10.1.2.3", "172.20.0.5", "192.168.0.2", "::1", "fd00::5"]
    still_refused = ["169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1", "fe80::1"]  # noqa: S104
    for address in allowed + still_refused:
        resolver.hosts[f"h{len(resolver.hosts)}.test"] = [address]

    verdicts = {}
    for host, (address,) in resolver.hosts.items():
        try:
            validate_url(f"https://{host}/")
            verdicts[address] = "allowed"
        except OutboundRefused as exc:
            verdicts[address] = exc.reason_code

    assert verdicts == dict.fromkeys(allowed, "allowed") | dict.fromkeys(
        still_refused, "private_address"
    )


def test_a_temporary_dns_failure(resolver):
    resolver.hosts["flaky.example"] = socket.gaierror(socket.EAI_AGAIN, "Temporary failure")

    # validating refuses the URL for now
    with pytest.raises(OutboundRefused) as refused:
        validate_url("https://flaky.example/hook")
    # sending is worth retrying
    with pytest.raises(OutboundFailed) as failed:
        post_json("https://flaky.example/hook", {}, secret="k", delivery_id="d1")

    assert (refused.value.reason_code, failed.value.reason_code) == ("dns", "dns")
    assert failed.value.message == (
        "The host flaky.example could not be resolved now (Temporary failure)."
    )
    assert (failed.value.retryable, failed.value.maybe_delivered) == (True, False)


def test_sending_checks_the_url_and_the_secret_first(resolver):
    resolver.hosts["hooks.example.com"] = ["10.0.0.1"]

    with pytest.raises(OutboundRefused) as private:
        post_json("https://hooks.example.com/", {}, secret="k", delivery_id="d1")
    with pytest.raises(OutboundRefused) as no_secret:
        post_json("https://hooks.example.com/", {}, secret="", delivery_id="d1")
    with pytest.raises(ValueError, match="delivery id"):
        post_json("https://hooks.example.com/", {}, secret="k", delivery_id="a\r\nb")

    assert private.value.reason_code == "private_address"
    assert no_secret.value.message == "Set a signing secret for this webhook."
    assert resolver.asked == ["hooks.example.com"]
