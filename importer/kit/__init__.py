"""The Kit v4 API: the only part of kit-import that knows Kit's paths, status codes and JSON.

client.py is the transport (session, rate limit, retries, typed errors); each endpoint used
is one typed function in account.py, fields.py, subscribers.py, reads.py or oauth.py,
returning parsed results (results.py), never a raw body.
"""

from importer.kit.account import Account, get_account
from importer.kit.auth import Credential, CredentialKind, RefreshGrant, TokenFile, credential_from_env, oauth_from_env
from importer.kit.client import KitClient, RequestStats, Response
from importer.kit.fields import FieldValue, bulk_set_values, create_custom_field, list_custom_fields
from importer.kit.oauth import TokenPair, exchange_token
from importer.kit.ratelimit import RateLimiter
from importer.kit.results import BULK_LIMIT, BulkResult, Failure
from importer.kit.reads import (HeldSubscriber, HeldTag, SubscriberPage, get_subscriber, get_subscriber_tags,
                                 iter_pages, iter_subscribers, list_subscribers)
from importer.kit.subscribers import NewSubscriber, Subscriber, Upserted, bulk_upsert_subscribers, upsert_subscriber

__all__ = ["Account", "BULK_LIMIT", "BulkResult", "Credential", "CredentialKind", "Failure", "FieldValue", "KitClient", "NewSubscriber",
           "RateLimiter", "RefreshGrant", "RequestStats", "Response", "Subscriber", "TokenFile", "TokenPair",
           "Upserted", "bulk_set_values", "bulk_upsert_subscribers", "create_custom_field", "credential_from_env",
           "exchange_token", "get_account", "list_custom_fields", "oauth_from_env", "upsert_subscriber"]
__all__ += ["HeldSubscriber", "HeldTag", "SubscriberPage", "get_subscriber", "get_subscriber_tags", "iter_pages",
            "iter_subscribers", "list_subscribers"]
