package ui

// The main window's chart of the last 14 days: one bar per day, delivered
// (green) under not delivered for a problem (red) under the rest (waiting,
// not sent on purpose: grey), drawn with canvas primitives.

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"mangotqm/ui/vm"
)

const (
	chartWidth  = 300
	chartHeight = 64
)

// chartView shows a vm.Chart.
type chartView struct {
	widget.BaseWidget
	tr      Tr
	data    vm.Chart
	caption *widget.Label
}

func newChartView(tr Tr) *chartView {
	c := &chartView{tr: tr, caption: widget.NewLabel("")}
	c.caption.Wrapping = fyne.TextWrapWord
	c.caption.SizeName = theme.SizeNameCaptionText
	c.ExtendBaseWidget(c)
	return c
}

// set shows new data (UI goroutine).
func (c *chartView) set(d vm.Chart) {
	c.data = d
	y := d.Yesterday()
	c.caption.SetText(c.tr.T("ui.chart.caption", map[string]any{"Days": len(d.Days), "Total": y.Total,
		"Delivered": y.Delivered, "Failed": y.Failed}))
	c.Refresh()
}

func (c *chartView) MinSize() fyne.Size { return fyne.NewSize(chartWidth, chartHeight+16) }

func (c *chartView) CreateRenderer() fyne.WidgetRenderer {
	r := &chartRenderer{c: c}
	r.rebuild()
	return r
}

type chartRenderer struct {
	c       *chartView
	objects []fyne.CanvasObject
	// per day: delivered, failed, other, label
	bars   [][3]*canvas.Rectangle
	labels []*canvas.Text
	axis   *canvas.Line
}

func (r *chartRenderer) rebuild() {
	r.objects, r.bars, r.labels = nil, nil, nil
	r.axis = canvas.NewLine(theme.Color(theme.ColorNameSeparator))
	r.objects = append(r.objects, r.axis)
	for _, d := range r.c.data.Days {
		var b [3]*canvas.Rectangle
		b[0] = canvas.NewRectangle(theme.Color(theme.ColorNameSuccess))
		b[1] = canvas.NewRectangle(theme.Color(theme.ColorNameError))
		b[2] = canvas.NewRectangle(theme.Color(theme.ColorNameDisabled))
		r.bars = append(r.bars, b)
		label := d.Label
		if len(label) >= 2 {
			label = label[:2] // the day of the month; the caption says which days
		}
		t := canvas.NewText(label, theme.Color(theme.ColorNameForeground))
		t.TextSize = theme.CaptionTextSize()
		t.Alignment = fyne.TextAlignCenter
		if d.Today {
			t.TextStyle.Bold = true
		}
		r.labels = append(r.labels, t)
		r.objects = append(r.objects, b[0], b[1], b[2], t)
	}
}

func (r *chartRenderer) Layout(size fyne.Size) {
	n := len(r.c.data.Days)
	labelH := theme.CaptionTextSize() + 4
	plotH := size.Height - labelH
	r.axis.Position1 = fyne.NewPos(0, plotH)
	r.axis.Position2 = fyne.NewPos(size.Width, plotH)
	if n == 0 {
		return
	}
	slot := size.Width / float32(n)
	barW := slot * 0.7
	maxV := float32(r.c.data.Max)
	for i, d := range r.c.data.Days {
		x := float32(i)*slot + (slot-barW)/2
		y := plotH
		other := d.Total - d.Delivered - d.Failed
		for j, v := range []int{d.Delivered, d.Failed, max(other, 0)} {
			h := float32(v) / maxV * (plotH - 2)
			if v > 0 && h < 2 {
				h = 2 // a day with one call among hundreds still shows
			}
			y -= h
			r.bars[i][j].Move(fyne.NewPos(x, y))
			r.bars[i][j].Resize(fyne.NewSize(barW, h))
		}
		r.labels[i].Move(fyne.NewPos(float32(i)*slot, plotH+1))
		r.labels[i].Resize(fyne.NewSize(slot, labelH))
	}
}

func (r *chartRenderer) MinSize() fyne.Size { return r.c.MinSize() }

func (r *chartRenderer) Refresh() {
	if len(r.bars) != len(r.c.data.Days) {
		r.rebuild()
	} else {
		for i, d := range r.c.data.Days {
			r.labels[i].Text = d.Label[:min(2, len(d.Label))]
			r.labels[i].TextStyle.Bold = d.Today
		}
	}
	r.Layout(r.c.Size())
	for _, o := range r.objects {
		o.Refresh()
	}
}

func (r *chartRenderer) Objects() []fyne.CanvasObject { return r.objects }
func (r *chartRenderer) Destroy()                     {}

// legendSwatch is a small coloured square with a word.
func legendSwatch(c color.Color, text string) fyne.CanvasObject {
	sq := canvas.NewRectangle(c)
	sq.SetMinSize(fyne.NewSize(10, 10))
	l := canvas.NewText(text, theme.Color(theme.ColorNameForeground))
	l.TextSize = theme.CaptionTextSize()
	return container.NewHBox(container.NewCenter(sq), l)
}

// buildChart: the chart with its title, legend and caption.
func (m *mainWindow) buildChart() fyne.CanvasObject {
	m.chart = newChartView(m.tr)
	title := canvas.NewText(m.tr.T("ui.chart.title", map[string]any{"Days": vm.ChartDays}), theme.Color(theme.ColorNameForeground))
	title.TextStyle.Bold = true
	title.TextSize = theme.CaptionTextSize()
	legend := container.NewHBox(
		legendSwatch(theme.Color(theme.ColorNameSuccess), m.tr.T("ui.chart.delivered")),
		legendSwatch(theme.Color(theme.ColorNameError), m.tr.T("ui.chart.failed")),
		legendSwatch(theme.Color(theme.ColorNameDisabled), m.tr.T("ui.chart.other")),
	)
	return container.New(fixedWidth(chartWidth), container.NewVBox(title, m.chart, legend, m.chart.caption))
}

// fixedWidth lays its objects out at one width (the chart does not grow
// with the window; its wrapped caption does not widen it).
type fixedWidth float32

func (f fixedWidth) MinSize(objs []fyne.CanvasObject) fyne.Size {
	h := float32(0)
	for _, o := range objs {
		h = max(h, o.MinSize().Height)
	}
	return fyne.NewSize(float32(f), h)
}

func (f fixedWidth) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(fyne.NewSize(float32(f), size.Height))
	}
}
