"""GraphQL documents, as named constants."""

SHOP_DETAILS = """
query ShopDetails {
  shop {
    name
    ianaTimezone
    currencyCode
    myshopifyDomain
  }
}
"""

# The shop's published policies (refunds, shipping, contact, legal notice…): store questions
# in the chat are answered from them (app/sync/policies.py).
SHOP_POLICIES = """
query ShopPolicies {
  shop {
    shopPolicies { type title body url updatedAt }
  }
}
"""

TAGS_ADD = """
mutation TagsAdd($id: ID!, $tags: [String!]!) {
  tagsAdd(id: $id, tags: $tags) {
    userErrors { field message }
  }
}
"""

TAGS_REMOVE = """
mutation TagsRemove($id: ID!, $tags: [String!]!) {
  tagsRemove(id: $id, tags: $tags) {
    userErrors { field message }
  }
}
"""

PRODUCTS_COUNT = """
query ProductsCount {
  productsCount(limit: null) { count }
}
"""

# The catalog as one bulk operation; variants arrive as their own JSONL lines (__parentId).
CATALOG_BULK_QUERY = """
{
  products {
    edges {
      node {
        id
        handle
        title
        status
        vendor
        productType
        tags
        description
        onlineStoreUrl
        publishedAt
        updatedAt
        featuredMedia { preview { image { url } } }
        variants {
          edges {
            node {
              id title sku price compareAtPrice availableForSale inventoryQuantity position
              inventoryPolicy inventoryItem { id tracked }
            }
          }
        }
      }
    }
  }
}
"""

BULK_RUN = """
mutation BulkRun($query: String!) {
  bulkOperationRunQuery(query: $query) {
    bulkOperation { id status }
    userErrors { field message }
  }
}
"""

BULK_STATUS = """
query BulkStatus($id: ID!) {
  node(id: $id) {
    ... on BulkOperation { id status errorCode objectCount rootObjectCount url partialDataUrl }
  }
}
"""

# A single-use code for one customer (abandoned checkout / cart reminders).
DISCOUNT_CREATE = """
mutation TsunaguDiscountCreate($input: DiscountCodeBasicInput!) {
  discountCodeBasicCreate(basicCodeDiscount: $input) {
    codeDiscountNode { id }
    userErrors { field code message }
  }
}
"""

# Customer segments (read_customers). Members are read at send time, never stored.
SEGMENTS = """
query Segments($first: Int!, $after: String) {
  segments(first: $first, after: $after) {
    edges { cursor node { id name query lastEditDate } }
    pageInfo { hasNextPage endCursor }
  }
}
"""

SEGMENT = """
query Segment($id: ID!) {
  segment(id: $id) { id name query lastEditDate }
}
"""

# One document for both ways in: a saved segment (segmentId), or a finished async members
# query (queryId). Member ids are gid://shopify/CustomerSegmentMember/<customer id>.
SEGMENT_MEMBERS = """
query SegmentMembers($segmentId: ID, $queryId: ID, $first: Int!, $after: String) {
  customerSegmentMembers(segmentId: $segmentId, queryId: $queryId, first: $first, after: $after) {
    totalCount
    edges { cursor node { id } }
    pageInfo { hasNextPage endCursor }
  }
}
"""

SEGMENT_MEMBERS_QUERY_CREATE = """
mutation SegmentMembersQueryCreate($input: CustomerSegmentMembersQueryInput!) {
  customerSegmentMembersQueryCreate(input: $input) {
    customerSegmentMembersQuery { id done currentCount }
    userErrors { field message code }
  }
}
"""

SEGMENT_MEMBERS_QUERY = """
query SegmentMembersQuery($id: ID!) {
  customerSegmentMembersQuery(id: $id) { id done currentCount }
}
"""

# Campaign coupons (read_discounts / write_discounts). A shared code is looked up by itself;
# unique codes are added in bulk (at most 250 a call, asynchronously) onto the discount the
# merchant picked, and the creation is polled until done.
COUPON_BY_CODE = """
query TsunaguCouponByCode($code: String!) {
  codeDiscountNodeByCode(code: $code) { id }
}
"""

COUPON_DISCOUNT = """
query TsunaguCouponDiscount($id: ID!) {
  codeDiscountNode(id: $id) { id }
}
"""

COUPON_CODES_ADD = """
mutation TsunaguCouponCodesAdd($discountId: ID!, $codes: [DiscountRedeemCodeInput!]!) {
  discountRedeemCodeBulkAdd(discountId: $discountId, codes: $codes) {
    bulkCreation { id done }
    userErrors { field code message }
  }
}
"""

COUPON_CODES_CREATION = """
query TsunaguCouponCodesCreation($id: ID!) {
  discountRedeemCodeBulkCreation(id: $id) {
    id
    done
    codesCount
    importedCount
    failedCount
    codes(first: 250) { nodes { code errors { field code message } } }
  }
}
"""

# Starts the shop's Shopify Flow workflows that begin with one of our triggers
# (app/shopify/flow_triggers.py): the trigger's handle and its payload (field keys as in
# the trigger extension's TOML; `customer_id` for the customer reference).
FLOW_TRIGGER_RECEIVE = """
mutation TsunaguFlowTriggerReceive($handle: String!, $payload: JSON!) {
  flowTriggerReceive(handle: $handle, payload: $payload) {
    userErrors { field message }
  }
}
"""
