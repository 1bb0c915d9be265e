"""The Kit v4 API: the only part of kit-import that knows Kit's paths, status codes and JSON.

client.py is the transport (session, rate limit, retries, typed errors); each endpoint used
is one typed function in account.py, fields.py, forms.py, subscribers.py, reads.py, tags.py or
oauth.py, returning parsed results (results.py), never a raw body.
"""

from importer.kit.account import Account, get_account
from importer.kit.auth import Credential, CredentialKind, RefreshGrant, TokenFile, credential_from_env, oauth_from_env
from importer.kit.client import KitClient, RequestStats, Response
from importer.kit.fields import FieldValue, bulk_set_values, create_custom_field, list_custom_fields
from importer.kit.forms import Form, FormAddition, add_to_form, bulk_add_to_form, form_member_emails, list_forms
from importer.kit.oauth import TokenPair, exchange_token
from importer.kit.ratelimit import RateLimiter
from importer.kit.results import BULK_LIMIT, BulkResult, Failure, Matched, batched, batches, match
from importer.kit.reads import (HeldSubscriber, HeldTag, SubscriberPage, find_subscriber, get_subscriber,
                                 get_subscriber_tags, iter_pages, iter_subscribers, list_subscribers)
from importer.kit.tags import (Tag, Tagged, Tagging, bulk_create_tags, bulk_tag_subscribers, bulk_untag_subscribers,
                               create_tag, list_tags, tag_subscriber, untag_subscriber)
from importer.kit.sequences import (Added, MembersPage, Sequence, SequenceClosed, add_to_sequence,
                                    list_sequence_members, list_sequences, sequence_member_emails)
from importer.kit.subscribers import (NewSubscriber, Subscriber, Upserted, bulk_upsert_subscribers,
                                      unsubscribe_subscriber, upsert_subscriber)

__all__ = ["Account", "BULK_LIMIT", "BulkResult", "Credential", "CredentialKind", "Failure", "FieldValue", "Form",
           "FormAddition", "KitClient", "NewSubscriber", "RateLimiter", "RefreshGrant", "RequestStats", "Response",
           "Subscriber", "Tag", "Tagged", "Tagging", "TokenFile", "TokenPair", "Upserted", "add_to_form",
           "bulk_add_to_form", "bulk_create_tags", "bulk_set_values", "bulk_tag_subscribers", "bulk_upsert_subscribers",
           "create_custom_field", "create_tag", "credential_from_env", "exchange_token", "get_account",
           "list_custom_fields", "list_forms", "list_tags", "oauth_from_env", "tag_subscriber",
           "unsubscribe_subscriber", "upsert_subscriber"]
__all__ += ["HeldSubscriber", "HeldTag", "SubscriberPage", "get_subscriber", "get_subscriber_tags", "iter_pages",
            "iter_subscribers", "list_subscribers"]
__all__ += ["bulk_untag_subscribers", "untag_subscriber"]
__all__ += ["find_subscriber", "batched", "batches", "Matched", "match"]
__all__ += ["Added", "MembersPage", "Sequence", "SequenceClosed", "add_to_sequence", "list_sequence_members",
            "list_sequences"]
__all__ += ["form_member_emails", "sequence_member_emails"]
