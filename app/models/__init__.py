"""SQLModel tables. Every row carries its shop; migrations are the only schema source."""

from .attribution import Attribution, FriendBlock, LinkClick, TrackedLink
from .audience import Segment
from .browse import ProductView
from .campaigns import (
    Campaign,
    CampaignChunk,
    CampaignCode,
    CampaignHoldout,
    CampaignImage,
    CampaignInsight,
    CampaignMarketing,
    CampaignStatus,
    ChunkStatus,
)
from .catalog import Product, ProductVariant
from .commerce import Cart, Checkout, Customer, Fulfillment, Order, OrderLineItem
from .events import ComplianceRequest, WebhookEvent, WebhookStatus
from .followers import FollowerImport, FollowerImportStatus, ImportedFollower
from .line import LineChannel, LineDryRun, LineEvent, LineEventStatus, LineFriend, LinkAudit, LinkNonce
from .outbox import Notification, NotificationStatus
from .policies import ShopPolicy
from .restock import BackInStockRequest, BackInStockStatus
from .richmenus import RichMenu, RichMenuLink, RichMenuRule, RichMenuSync
from .rollups import DailyRollup
from .search import CatalogSync, KeywordRule, ProductSearch, SearchLog, SynonymGroup
from .sequences import RunStatus, Sequence, SequenceRun, SequenceSegmentMember, SequenceStep, Trigger
from .shop import Shop
from .shopify_flow import ShopifyFlowRun, ShopifyFlowTrigger, ShopifyFlowTriggerCall, TriggerCallStatus
from .sources import FriendSource, FriendSourceDay, FriendSourceVisit, VisitOutcome

__all__ = [
    "Attribution",
    "DailyRollup",
    "BackInStockRequest",
    "BackInStockStatus",
    "Campaign",
    "CampaignChunk",
    "CampaignCode",
    "CampaignHoldout",
    "CampaignImage",
    "CampaignInsight",
    "CampaignMarketing",
    "CampaignStatus",
    "ChunkStatus",
    "FriendBlock",
    "FriendSource",
    "FriendSourceDay",
    "FriendSourceVisit",
    "VisitOutcome",
    "LinkClick",
    "TrackedLink",
    "CatalogSync",
    "KeywordRule",
    "ProductSearch",
    "SearchLog",
    "RunStatus",
    "Sequence",
    "SequenceRun",
    "SequenceSegmentMember",
    "SequenceStep",
    "Trigger",
    "Segment",
    "SynonymGroup",
    "Cart",
    "Checkout",
    "ComplianceRequest",
    "Customer",
    "FollowerImport",
    "FollowerImportStatus",
    "ImportedFollower",
    "Fulfillment",
    "LineChannel",
    "LineDryRun",
    "LineEvent",
    "LineEventStatus",
    "LineFriend",
    "LinkAudit",
    "LinkNonce",
    "Notification",
    "NotificationStatus",
    "Order",
    "OrderLineItem",
    "Product",
    "ProductView",
    "RichMenu",
    "RichMenuLink",
    "RichMenuRule",
    "RichMenuSync",
    "ProductVariant",
    "Shop",
    "ShopPolicy",
    "ShopifyFlowRun",
    "ShopifyFlowTrigger",
    "ShopifyFlowTriggerCall",
    "TriggerCallStatus",
    "WebhookEvent",
    "WebhookStatus",
]
