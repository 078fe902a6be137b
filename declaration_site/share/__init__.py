"""What a public page shows when it is shared: its description, its share card (a PNG drawn
from the page's title and the count of endorsers) and the links of its "Share" block."""
