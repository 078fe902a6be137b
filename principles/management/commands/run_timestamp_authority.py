from pathlib import Path

from django.core.management.base import BaseCommand

from principles.pdf.timestamp_authority import Authority, create_authority, serve


class Command(BaseCommand):
    help = (
        "Run an RFC 3161 timestamp authority on 127.0.0.1 for development, with a self-signed "
        "certificate of its own (created in FOLDER the first time). Never for production, "
        "which uses a real authority (PDF_TIMESTAMP_URL)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "folder",
            nargs="?",
            default=".signing/timestamp-authority",
            help="Where its key and certificate (tsa.pem) are kept.",
        )
        parser.add_argument("--port", type=int, default=8010, help="Port on 127.0.0.1.")
        parser.add_argument(
            "--days", type=int, default=365, help="How long a new certificate is valid."
        )

    def handle(self, *args, folder, port, days, **options):
        folder = Path(folder)
        authority = Authority(key_path=folder / "tsa-key.pem", certificate_path=folder / "tsa.pem")
        if not authority.certificate_path.exists():
            authority = create_authority(folder=folder, days=days)
        server = serve(authority, port=port)
        self.stdout.write(
            f"Timestamp authority at http://127.0.0.1:{port}/ — set "
            f"PDF_TIMESTAMP_URL=http://127.0.0.1:{port}/ and "
            f"PDF_TIMESTAMP_TRUST={authority.certificate_path.resolve()}"
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
