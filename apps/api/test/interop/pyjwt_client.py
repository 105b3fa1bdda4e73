"""An outside client and verifier, written the way Python backends of this API do it (PyJWT).

  mint-hs256 SECRET ISSUER AUDIENCE SUB   print an HS256 token made with the shared secret
  verify-jwks JWKS_URL ISSUER AUDIENCE TOKEN   verify a token against our JWKS, print its claims
"""

import json
import sys
import time

import jwt
from jwt import PyJWKClient


def mint_hs256(secret, issuer, audience, sub):
    now = int(time.time())
    claims = {"sub": sub, "email": f"{sub}@example.test", "name": "From Python",
              "iat": now, "exp": now + 600, "iss": issuer, "aud": audience}
    print(jwt.encode(claims, secret, algorithm="HS256"))


def verify_jwks(jwks_url, issuer, audience, token):
    signing_key = PyJWKClient(jwks_url).get_signing_key_from_jwt(token)
    claims = jwt.decode(token, signing_key.key, algorithms=["EdDSA"], issuer=issuer,
                        audience=audience, options={"require": ["exp", "iat", "sub"]})
    print(json.dumps(claims))


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    {"mint-hs256": mint_hs256, "verify-jwks": verify_jwks}[command](*args)
