"""The Kit v4 API client: the only part of kit-import that speaks HTTP."""

from importer.kit.auth import Credential, CredentialKind, RefreshGrant, TokenFile, credential_from_env, oauth_from_env
from importer.kit.client import KitClient, RequestStats, Response
from importer.kit.ratelimit import RateLimiter

__all__ = ["Credential", "CredentialKind", "KitClient", "RefreshGrant", "TokenFile", "oauth_from_env", "RateLimiter", "RequestStats", "Response", "credential_from_env"]
