"""a2g-sdk: register A2A agents with the A2G Agent Platform.

    from a2g_sdk import register
    register(card_url="http://my-agent:8000", api_key="a2g_sk_...", platform_url="http://127.0.0.1:3000")
"""

from a2g_sdk.cards import card_from_a2a, card_from_adk, card_from_langgraph
from a2g_sdk.client import A2GError, register, registration_body

__all__ = ["A2GError", "card_from_a2a", "card_from_adk", "card_from_langgraph", "register", "registration_body"]
__version__ = "0.1.0"
