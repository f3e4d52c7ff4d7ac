"""Request signing hooks a verify table can name (`signing = "aws-sigv4"`): an explicit table.

AWS is signed by botocore's own SigV4 signer when botocore is installed (it comes with boto3;
`pip install 'scaffold[aws]'` otherwise); without it an AWS key's liveness stays unknown.
"""

from __future__ import annotations

from collections.abc import Callable

from scaffold.verify.http import Request


class SigningUnavailable(Exception):
    """The signer's library is missing; the reason says what to install."""


# (request, key id, secret, region, service) -> the same request with its signature headers
Signer = Callable[[Request, str, str, str, str], Request]


def sign_aws_sigv4(
    request: Request, key_id: str, secret: str, region: str, service: str
) -> Request:
    try:
        from botocore.auth import SigV4Auth  # type: ignore[import-untyped]
        from botocore.awsrequest import AWSRequest  # type: ignore[import-untyped]
        from botocore.credentials import Credentials  # type: ignore[import-untyped]
    except ImportError:
        raise SigningUnavailable(
            "AWS keys are signed with botocore, which is not installed "
            "(pip install 'scaffold[aws]')"
        ) from None
    aws = AWSRequest(
        method=request.method, url=request.url, data=request.body, headers=dict(request.headers)
    )
    SigV4Auth(Credentials(key_id, secret), service, region).add_auth(aws)
    headers = {k: str(v) for k, v in aws.headers.items()}
    return Request(request.method, request.url, headers, request.body)


SIGNERS: dict[str, Signer] = {"aws-sigv4": sign_aws_sigv4}
