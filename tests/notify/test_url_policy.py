"""The webhook URL policy beyond the shared corpus: spellings, ranges, allow lists."""

from __future__ import annotations

import ipaddress
import socket

import pytest

from signoff.domain.errors import BadInput
from signoff.outbound.addresses import blocked_reason, parse_ipv4_like
from signoff.outbound.url_policy import AllowList, check_target, check_webhook_url

from .servers import StubResolver

PUBLIC = StubResolver(default=["93.184.215.14"])


def refusal(
    url: str, *, allow: AllowList | None = None, resolver: StubResolver = PUBLIC
) -> str:
    with pytest.raises(BadInput) as refused:
        check_webhook_url(url, allow=allow or AllowList(), resolver=resolver)
    assert refused.value.field == "url"
    return refused.value.message


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("https://hooks.example.com/signoff", "https://hooks.example.com/signoff"),
        ("HTTPS://Hooks.Example.COM:443/a?b=1", "https://hooks.example.com/a?b=1"),
        ("http://hooks.example.com:8080", "http://hooks.example.com:8080/"),
        ("http://hooks.example.com./x", "http://hooks.example.com/x"),
        ("http://8.8.8.8/", "http://8.8.8.8/"),
        ("http://[2606:4700:4700::1111]:8443/", "http://[2606:4700:4700::1111]:8443/"),
        ("https://bücher.example/", "https://xn--bcher-kva.example/"),
        ("https://[64:ff9b::808:808]/", "https://[64:ff9b::808:808]/"),
    ],
)
def test_public_urls_pass_in_canonical_form(url: str, canonical: str) -> None:
    assert check_webhook_url(url, allow=AllowList(), resolver=PUBLIC) == canonical


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://0x7f.1/", "127.0.0.1, a loopback address"),
        ("http://127.0.0.1./", "unusual spelling"),
        ("http://127.0.1/", "unusual spelling of 127.0.0.1"),
        ("http://0x08080808/", "write the address as 8.8.8.8"),
        ("http://\uff11\uff12\uff17\uff0e\uff10\uff0e\uff10\uff0e\uff11/", "127.0.0.1"),
        ("http://127。0。0。1/", "127.0.0.1"),
        ("http://1.2.3.4.5/", "neither a host name nor a valid IPv4 address"),
        ("http://09.1.1.1/", "neither a host name"),
        ("http://example.0x/", "neither a host name"),
        ("http://%31%32%37.0.0.1/", "percent-encoded"),
        ("http://[fe80::1%25eth0]/", "zone"),
        ("http://[::127.0.0.1]/", "IPv4-compatible"),
        ("http://[::ffff:8.8.8.8]/", "IPv4-mapped"),
        ("http://[64:ff9b::a00:1]/", "NAT64 address of 10.0.0.1"),
        ("http://[64:ff9b:1::1]/", "local-use NAT64"),
        ("http://[2002:7f00:1::1]/", "6to4 address of 127.0.0.1"),
        ("http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/", "Teredo"),
        ("http://[fec0::1]/", "site-local"),
        ("http://[2001:db8::1]/", "not publicly routable"),
        ("http://[ff02::1]/", "multicast"),
        ("http://192.0.2.10/", "not publicly routable"),
        ("http://240.0.0.1/", "reserved"),
        ("http://0.1.2.3/", "not publicly routable"),
        ("http://[::1/", "not a valid URL"),
        ("http://[not-v6]/", "not a valid URL"),
        ("http://hooks.example.com:0/", "out of range"),
        ("http://hooks.example.com:99999/", "out of range"),
        ("http://hooks.example.com:80a/", "not a number"),
        ("http://hooks.example.com/a b", "spaces"),
        ("http://hooks.example.com/\r\nX: y", "control characters"),
        ("http://:80/", "no host"),
        ("http://hooks..example.com/", "not a valid host name"),
        ("http://-hooks.example.com/", "not a valid host name"),
        ("http://intranet/", "not a fully qualified host name"),
        ("http://metadata.goog/", "cloud metadata"),
        ("http://instance-data.ec2.internal/", "cloud metadata"),
        ("http://api.svc.cluster.local/", "local network"),
        ("http://printer.home.arpa/", "local network"),
        ("http://localhost./", "this machine"),
        ("http://app.localhost/", "this machine"),
        ("https://hooks.example.com/" + "a" * 2100, "longer than"),
        ("", "empty"),
    ],
)
def test_refusals_name_their_reason(url: str, words: str) -> None:
    assert words in refusal(url)


def test_a_name_resolving_to_a_private_address_is_refused() -> None:
    resolver = StubResolver({"hooks.example.com": ["93.184.215.14", "192.168.1.10"]})
    message = refusal("https://hooks.example.com/", resolver=resolver)
    assert "hooks.example.com resolves to 192.168.1.10" in message


def test_a_name_resolving_to_a_mapped_loopback_is_refused() -> None:
    resolver = StubResolver({"hooks.example.com": ["::ffff:127.0.0.1"]})
    assert "IPv4-mapped" in refusal("https://hooks.example.com/", resolver=resolver)


def test_a_name_that_does_not_resolve_is_refused() -> None:
    assert "does not resolve" in refusal(
        "https://hooks.example.com/", resolver=StubResolver()
    )
    empty = StubResolver({"hooks.example.com": []})
    assert "does not resolve" in refusal("https://hooks.example.com/", resolver=empty)


def test_names_refused_by_their_form_are_never_resolved() -> None:
    resolver = StubResolver(default=["93.184.215.14"])
    refusal("http://metadata.google.internal/", resolver=resolver)
    refusal("http://localhost/", resolver=resolver)
    assert resolver.calls == []


def test_the_target_keeps_every_checked_address_in_order() -> None:
    resolver = StubResolver({"hooks.example.com": ["2606:4700::1", "93.184.215.14"]})
    target = check_target(
        "https://hooks.example.com:8443/x", allow=AllowList(), resolver=resolver
    )
    assert target.host == "hooks.example.com"
    assert target.port == 8443
    assert [str(address) for address in target.addresses] == [
        "2606:4700::1",
        "93.184.215.14",
    ]


class TestAllowList:
    def test_an_address_with_a_port_allows_that_port_only(self) -> None:
        allow = AllowList.parse("127.0.0.1:8099")
        assert (
            check_webhook_url("http://127.0.0.1:8099/h", allow=allow)
            == "http://127.0.0.1:8099/h"
        )
        assert "loopback" in refusal("http://127.0.0.1:8098/h", allow=allow)
        assert "loopback" in refusal("http://127.0.0.2:8099/h", allow=allow)

    def test_a_network_allows_any_port_and_resolved_names(self) -> None:
        allow = AllowList.parse("10.0.0.0/8")
        assert check_webhook_url("http://10.9.8.7:1234/", allow=allow)
        resolver = StubResolver({"ci.corp.example": ["10.1.1.1"]})
        assert check_webhook_url(
            "https://ci.corp.example/", allow=allow, resolver=resolver
        )
        assert "private" in refusal("http://192.168.0.1/", allow=allow)

    def test_it_does_not_cover_other_spellings_of_an_allowed_address(self) -> None:
        allow = AllowList.parse("127.0.0.1:8099")
        assert "IPv4-mapped" in refusal("http://[::ffff:127.0.0.1]:8099/", allow=allow)
        assert "unusual spelling" in refusal("http://2130706433:8099/", allow=allow)

    def test_a_host_name_entry_allows_that_name_wherever_it_points(self) -> None:
        allow = AllowList.parse("hooks.corp.lan:8443")
        resolver = StubResolver(
            {"hooks.corp.lan": ["10.2.3.4"], "other.corp.lan": ["10.2.3.4"]}
        )
        assert check_webhook_url(
            "https://hooks.corp.lan:8443/", allow=allow, resolver=resolver
        )
        assert "local network" in refusal(
            "https://other.corp.lan:8443/", allow=allow, resolver=resolver
        )
        assert "local network" in refusal(
            "https://hooks.corp.lan/", allow=allow, resolver=resolver
        )

    def test_ipv6_entries(self) -> None:
        allow = AllowList.parse("[::1]:9000, fd00::/8")
        assert (
            check_webhook_url("http://[::1]:9000/", allow=allow) == "http://[::1]:9000/"
        )
        assert check_webhook_url("http://[fd12::5]/", allow=allow)
        assert "loopback" in refusal("http://[::1]:9001/", allow=allow)

    def test_parsing(self) -> None:
        allow = AllowList.parse(" 127.0.0.1:8099 ,10.0.0.0/8,, Hooks.Corp.Example. ")
        assert len(allow.entries) == 3
        assert allow.entries[0].port == 8099
        assert allow.entries[2].host == "hooks.corp.example"
        assert AllowList.parse(None) == AllowList() == AllowList.parse("")

    @pytest.mark.parametrize(
        "text",
        [
            "10.0.0.1/8",
            "127.0.0.1:0",
            "127.0.0.1:http",
            "[::1",
            "[::1]x",
            "bad host",
            "::1:99999/8",
        ],
    )
    def test_bad_entries_are_reported(self, text: str) -> None:
        with pytest.raises(ValueError, match="webhook allow entry"):
            AllowList.parse(text)


@pytest.mark.parametrize(
    "spelling",
    [
        "2130706433",
        "0x7f000001",
        "0x7f.1",
        "0177.0.0.1",
        "127.1",
        "127.0.1",
        "017700000001",
        "0x7f.0x0.0x0.0x1",
        "0xc0.0250.1",
        "3232235777",
        "1.2.3.4",
        "0",
    ],
)
def test_ipv4_spellings_match_the_c_library(spelling: str) -> None:
    """inet_aton is what resolvers use for numeric hosts; we must read them alike."""
    expected = ipaddress.IPv4Address(socket.inet_aton(spelling))
    assert parse_ipv4_like(spelling) == expected


@pytest.mark.parametrize(
    ("address", "blocked"),
    [
        ("8.8.8.8", False),
        ("1.1.1.1", False),
        ("2606:4700::1111", False),
        ("64:ff9b::808:808", False),
        ("2002:808:808::1", False),
        ("127.255.255.254", True),
        ("169.254.0.1", True),
        ("100.127.255.255", True),
        ("100.128.0.0", False),
        ("172.15.255.255", False),
        ("172.32.0.0", False),
        ("fdff::1", True),
        ("febf::1", True),
    ],
)
def test_address_classification(address: str, blocked: bool) -> None:
    assert (blocked_reason(ipaddress.ip_address(address)) is not None) is blocked
