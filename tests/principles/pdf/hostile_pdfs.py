"""Small PDFs made to trip a PDF reader, for the tests of /verify/."""


def pdf_with(objects: list[bytes]) -> bytes:
    """A PDF whose numbered objects are `objects` (object 1 is the Root), with a valid
    cross-reference table."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


PAGES = b"<< /Type /Pages /Kids [] /Count 0 >>"


def nested_arrays(depth: int = 900) -> bytes:
    """About 2 KB: arrays nested `depth` deep, which a recursive parser does not survive."""
    return pdf_with(
        [b"<< /Type /Catalog /Pages 2 0 R /X %s%s >>" % (b"[" * depth, b"]" * depth), PAGES]
    )


def root_not_a_dictionary() -> bytes:
    return pdf_with([b"[1 2 3]"])


def signature_value_not_a_dictionary() -> bytes:
    return pdf_with(
        [
            b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [3 0 R] >> >>",
            PAGES,
            b"<< /FT /Sig /T (Signature) /V 42 >>",
        ]
    )


def many_small_objects(size: int = 1_500_000) -> bytes:
    """About 1.5 MB that a reader turns into hundreds of MB of objects: a signature whose
    dictionary holds an array of a hundred thousand small dictionaries."""
    item = b"<</A[1 2 3]>>"
    return pdf_with(
        [
            b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [3 0 R] >> >>",
            PAGES,
            b"<< /FT /Sig /T (S) /V << /Type /Sig /X [%s] >> >>" % (item * (size // len(item))),
        ]
    )
