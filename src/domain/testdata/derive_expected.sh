#!/bin/sh
# Re-derives the expected values used by the domain tests from the fixture
# PEM files, using openssl only (an implementation independent of the Rust
# code under test). Run from this directory: sh derive_expected.sh
set -eu

b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }
kid_of_spki_der() { openssl dgst -sha256 -binary | b64url; }

{
    for k in rsa2048 rsa4096 ec_p256 ec_p384 ec_p521; do
        printf '%s.pub.pem %s\n' "$k" \
            "$(openssl pkey -pubin -in "$k.pub.pem" -outform DER | kid_of_spki_der)"
    done
    printf '%s %s\n' rsa2048.pkcs1.pem \
        "$(openssl rsa -RSAPublicKey_in -in rsa2048.pkcs1.pem -pubout -outform DER 2>/dev/null | kid_of_spki_der)"
    for c in rsa2048 ec_p256; do
        printf '%s.cert.pem %s\n' "$c" \
            "$(openssl x509 -in "$c.cert.pem" -pubkey -noout | openssl pkey -pubin -outform DER | kid_of_spki_der)"
    done
} > kids.txt

# RSA modulus (upper-case hex, as printed by openssl) and public exponent (decimal).
for k in rsa2048 rsa4096; do
    openssl rsa -pubin -in "$k.pub.pem" -modulus -noout | sed 's/^Modulus=//' > "$k.modulus.txt"
    openssl rsa -pubin -in "$k.pub.pem" -text -noout | sed -n 's/^Exponent: \([0-9]*\) .*/\1/p' > "$k.exponent.txt"
done

# EC public point, uncompressed SEC1 (04 || x || y), lower-case hex.
for k in ec_p256 ec_p384 ec_p521; do
    openssl ec -pubin -in "$k.pub.pem" -text -noout 2>/dev/null \
        | sed -n '/^pub:/,/^ASN1 OID/p' | sed '1d;$d' | tr -d ' :\n' > "$k.point.txt"
    echo >> "$k.point.txt"
done
