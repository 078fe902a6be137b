"""What every process of the site must agree on and has no other shared place for when the
cache is per process: the public content's generation (`public_cache`), and the lock that
keeps one run of each recurring job waiting in the task queue (`periodic`)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PublicContentGeneration(models.Model):
    """One row: the generation of the public content when the configured cache is not shared
    (`locmem://`). Changes move it on in their own transaction, so a publication made by the
    task worker or a command reaches every server process, each of which reads it at most once
    a second (`public_cache.GENERATION_CHECK_SECONDS`)."""

    value = models.PositiveBigIntegerField(_("generation"))

    class Meta:
        verbose_name = _("public content generation")
        verbose_name_plural = _("public content generations")

    def __str__(self):
        return str(self.value)


class PeriodicJob(models.Model):
    """A recurring job, by the module path of its task. Queueing its next run first updates
    this row, so that two processes (two workers, a worker and `migrate`) take turns and never
    both find the queue empty and queue a run each."""

    task_path = models.CharField(_("task"), max_length=200, primary_key=True)
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("periodic job")
        verbose_name_plural = _("periodic jobs")

    def __str__(self):
        return self.task_path
