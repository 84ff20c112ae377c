"""Newsletters: readers' subscriptions (double opt-in), their signed links, and the e-mails SES sends.

Below ``site`` and ``desk``, above the root: it imports only the shared vocabulary (``models``,
``keys``, ``aws``, ``config``), so the reader's sign-up route (``site.subscribe``) and the desk can
both use it, and neither drags the other in.
"""

SENDERS = 5  # sender functions at once at most (app.py: the queue's maximum concurrency); each keeps to its share of SES's rate
