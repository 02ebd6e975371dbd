"""Friend sources (流入経路): short links and QR codes a merchant hands out, the visits they
bring, which friend each visit turned into, and what those friends are worth."""
