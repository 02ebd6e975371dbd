"""Campaigns (配信): messages sent once to an audience, with a forecast the merchant confirms.

content.py checks what is sent; transport.py picks multicast, push or broadcast; audience.py
is the seam to the audience service and the exclusions (blocked, opted out, the marketing
cap); pricing.py turns messages into yen; forecast.py states all of it before sending;
planning.py fixes the recipients into numbered chunks when sending starts; sending.py is the
worker that sends each chunk exactly once; control.py is what the merchant may do
(confirm, schedule, cancel, pause, resume) and the progress.
"""
