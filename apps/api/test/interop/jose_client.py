"""A verifier written the way Python backends using python-jose do it, for JWT_MODE=hs256.

  verify-hs256 SECRET ISSUER AUDIENCE TOKEN   verify with audience=, print the claims
  verify-hs256-no-audience SECRET ISSUER TOKEN   verify without audience= (python-jose refuses
                                                 any token that carries `aud`: ours all do)
"""

import json
import sys

from jose import jwt


def verify_hs256(secret, issuer, audience, token):
    claims = jwt.decode(token, secret, algorithms=["HS256"], issuer=issuer, audience=audience,
                        options={"require_exp": True, "require_iat": True, "require_sub": True})
    print(json.dumps(claims))


def verify_hs256_no_audience(secret, issuer, token):
    try:
        jwt.decode(token, secret, algorithms=["HS256"], issuer=issuer)
    except jwt.JWTClaimsError as error:
        print(f"refused: {error}")
        return
    print("accepted")


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    {"verify-hs256": verify_hs256, "verify-hs256-no-audience": verify_hs256_no_audience}[command](
        *args
    )
