"""The Grad-CAM report section now lives in the report package (``kit.report.gradcam``); this name stays so that
``from kit.report_explain import gradcam_markdown, gradcam_section`` keeps working."""

from kit.report.gradcam import gradcam_markdown, gradcam_section

__all__ = ["gradcam_markdown", "gradcam_section"]
